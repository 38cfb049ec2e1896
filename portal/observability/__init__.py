"""What operators see of the portal: JSON logs with the request, partner and user they
belong to, error reports, and the Prometheus metrics of requests and tasks."""
