"""Routes of the vendor console, served on the public schema's domain."""

from django.urls import include, path

from console import urls as console_urls
from console.api import console_api
from console.views.partners import dashboard
from portal.tenants import views as tenant_views
from portal.users.urls import account_urlpatterns, api_token_urlpatterns, user_urlpatterns

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("partners/", include(console_urls.partner_urlpatterns)),
    path("customers/", include(console_urls.customer_urlpatterns)),
    path("staff/", include(user_urlpatterns)),
    # CSMs' own read-only tokens for the console's API.
    path("profile/tokens/", include(api_token_urlpatterns)),
    path("catalogue/", include("portal.catalogue.urls")),
    path("escalations/", include(console_urls.escalation_urlpatterns)),
    path("replacements/", include(console_urls.replacement_urlpatterns)),
    path("reports/", include(console_urls.report_urlpatterns)),
    path("branding/logo/", tenant_views.logo, name="branding_logo"),
    path("branding/colours.css", tenant_views.colours, name="branding_colours"),
    path("branding/preview.css", tenant_views.preview_colours, name="branding_preview_css"),
    path("branding/logo/dark/", tenant_views.logo_on_dark, name="branding_logo_dark"),
    # The console's JSON API: each operation checks its vendor role itself
    # (portal.api.auth.require_role) and is walked by tests/api/test_console_api.py.
    path("api/v1/", console_api.urls),
    *account_urlpatterns,
]
