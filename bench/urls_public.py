"""The vendor console's routes plus a bare view, the floor that bench/tenants.py compares
the console's pages to."""

from django.urls import path

from bench.urls_tenant import bare_view
from portal.urls_public import urlpatterns as console_urlpatterns

urlpatterns = [
    path("__bench__/bare/", bare_view, name="bench_bare"),
    *console_urlpatterns,
]
