"""Routes of a partner's branded portal."""

from django.urls import include, path

from contracts.urls import contract_urlpatterns, customer_urlpatterns
from portal.site import views as site_views
from portal.site.api import api
from portal.tenants import views as tenant_views
from portal.users.urls import (
    account_urlpatterns,
    api_token_urlpatterns,
    service_token_urlpatterns,
    user_urlpatterns,
)

urlpatterns = [
    path("", site_views.dashboard, name="dashboard"),
    path("customers/<int:pk>/", site_views.customer_detail, name="customer_detail"),
    path("contracts/<int:pk>/", site_views.contract_detail, name="contract_detail"),
    path("customers/<int:pk>/letters/add/", site_views.authorisation_letter_add,
         name="authorisation_letter_add"),
    path("customers/", include(customer_urlpatterns)),
    path("contracts/", include(contract_urlpatterns)),
    path("tickets/", include("tickets.urls")),
    path("rma/", include("tickets.rma.urls")),
    path("reports/", include("reporting.urls")),
    path("webhooks/", include("portal.webhooks.urls")),
    path("devices/<int:pk>/", site_views.device_detail, name="device_detail"),
    path("devices/", include("inventory.urls")),
    path("lookup/", include("inventory.lookup_urls")),
    path("users/", include(user_urlpatterns)),
    path("branding/", tenant_views.branding_edit, name="branding_edit"),
    path("branding/logo/", tenant_views.logo, name="branding_logo"),
    path("branding/colours.css", tenant_views.colours, name="branding_colours"),
    path("branding/preview.css", tenant_views.preview_colours, name="branding_preview_css"),
    path("branding/logo/dark/", tenant_views.logo_on_dark, name="branding_logo_dark"),
    path("branding/preview.pdf", tenant_views.branding_preview_pdf,
         name="branding_preview_pdf"),
    path("profile/tokens/", include(api_token_urlpatterns)),
    path("integrations/", include(service_token_urlpatterns)),
    # The JSON API: its operations check roles themselves (portal.api.auth.require_role)
    # and are walked by tests/api/test_isolation_matrix.py, not the pages' matrix.
    path("api/v1/", api.urls),
    *account_urlpatterns,
]
