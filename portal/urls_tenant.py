"""Routes of a partner's branded portal."""

from django.urls import include, path

from contracts.urls import contract_urlpatterns, customer_urlpatterns
from portal.tenants import views as tenant_views
from portal.users.urls import account_urlpatterns, user_urlpatterns

urlpatterns = [
    path("", tenant_views.dashboard, name="dashboard"),
    path("customers/", include(customer_urlpatterns)),
    path("contracts/", include(contract_urlpatterns)),
    path("tickets/", include("tickets.urls")),
    path("rma/", include("tickets.rma_urls")),
    path("reports/", include("reporting.urls")),
    path("webhooks/", include("portal.webhooks.urls")),
    path("devices/", include("inventory.urls")),
    path("lookup/", include("inventory.lookup_urls")),
    path("users/", include(user_urlpatterns)),
    path("branding/", tenant_views.branding_edit, name="branding_edit"),
    path("branding/logo/", tenant_views.logo, name="branding_logo"),
    *account_urlpatterns,
]
