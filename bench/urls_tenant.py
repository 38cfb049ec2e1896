"""The partner portal's routes plus a bare view, the floor that bench/pages.py compares to."""

from django.http import HttpResponse
from django.urls import path

from portal.urls_tenant import urlpatterns as portal_urlpatterns
from portal.users.access import anonymous_allowed


@anonymous_allowed
def bare_view(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/bare/", bare_view, name="bench_bare"),
    *portal_urlpatterns,
]
