"""A CSM's customers in the vendor console's JSON API: the customers assigned to them,
across partners, read by console.crossschema.assigned_customers like the page."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from console import crossschema
from portal.api.auth import require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate_rows
from portal.api.schemas import ERRORS, PartnerRef, partner_ref
from portal.users.models import Role

router = Router(tags=["My customers"])


class CsmCustomerOut(Schema):
    partner: PartnerRef
    id: int = Field(description="The customer's id in its partner's portal.")
    site_id: str
    name: str
    city: str
    country: str
    time_zone: str
    language: str
    updated_at: datetime = Field(description="When what is shown here last changed, or the "
                                             "customer was assigned to me.")


def csm_customer_out(row):
    customer = row.customer
    return {"partner": partner_ref(row.partner), "id": customer.pk,
            "site_id": customer.site_id, "name": customer.name, "city": customer.city,
            "country": str(customer.country), "time_zone": customer.time_zone,
            "language": customer.language, "updated_at": customer.updated_at}


@router.get("", response={200: Page[CsmCustomerOut], **ERRORS}, summary="List my customers",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_csm_customers(request, response: HttpResponse, sync: Query[SyncParams],
                       page: Query[PageParams]):
    """The customers assigned to me, across partners, by partner."""
    csm = require_role(request, Role.CSM)
    rows, cursor = paginate_rows(crossschema.assigned_customers(csm), page, sync)
    return conditional(request, response, {
        "items": [csm_customer_out(row) for row in rows], "next": cursor})
