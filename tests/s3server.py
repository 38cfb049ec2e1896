"""A real S3 API server for the suite's storage (TEST_STORAGE=s3): moto's server mode on a
free local port, with the test bucket created at start.

The first process to need it starts it and leaves its address in TEST_S3_ENDPOINT_URL,
so the processes it starts (the browser tests' server, workers) use the same bucket."""

import os

BUCKET = "portal-test"
CREDENTIALS = {"access_key": "portal-test-key", "secret_key": "portal-test-secret"}
REGION = "us-east-1"


def s3_options():
    endpoint = os.environ.get("TEST_S3_ENDPOINT_URL")
    if not endpoint:
        endpoint = start_server()
        os.environ["TEST_S3_ENDPOINT_URL"] = endpoint
    return {"bucket_name": BUCKET, "endpoint_url": endpoint, "region_name": REGION,
            "addressing_style": "path", **CREDENTIALS}


def start_server():
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id=CREDENTIALS["access_key"],
                          aws_secret_access_key=CREDENTIALS["secret_key"])
    client.create_bucket(Bucket=BUCKET)
    return endpoint
