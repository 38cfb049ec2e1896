"""Routes of the vendor console, served on the public schema's domain."""

from django.urls import include, path

from portal.api.console import console_api
from portal.console import views as console_views
from portal.console.urls import customer_urlpatterns as console_customer_urlpatterns
from portal.tenants import views as tenant_views
from portal.users.urls import account_urlpatterns, user_urlpatterns

urlpatterns = [
    path("", console_views.dashboard, name="dashboard"),
    path("partners/", include("portal.console.urls")),
    path("customers/", include(console_customer_urlpatterns)),
    path("staff/", include(user_urlpatterns)),
    path("catalogue/", include("portal.catalogue.urls")),
    path("escalations/", include("tickets.console_urls")),
    path("replacements/", include("tickets.console_rma_urls")),
    path("reports/", include("reporting.console_urls")),
    path("branding/logo/", tenant_views.logo, name="branding_logo"),
    # The console's JSON API: each operation checks its vendor role itself
    # (portal.api.auth.require_role) and is walked by tests/api/test_console_api.py.
    path("api/v1/", console_api.urls),
    *account_urlpatterns,
]
