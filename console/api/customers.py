"""A CSM's customers in the vendor console's JSON API: the customers assigned to them,
across partners, read by console.crossschema.assigned_customers like the page."""

from ninja import Field, Query, Router, Schema

from console import crossschema
from portal.api.auth import require_role
from portal.api.pagination import Page, PageParams, paginate_list
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


def csm_customer_out(row):
    customer = row.customer
    return {"partner": partner_ref(row.partner), "id": customer.pk,
            "site_id": customer.site_id, "name": customer.name, "city": customer.city,
            "country": str(customer.country), "time_zone": customer.time_zone,
            "language": customer.language}


@router.get("", response={200: Page[CsmCustomerOut], **ERRORS}, summary="List my customers")
def list_csm_customers(request, page: Query[PageParams]):
    """The customers assigned to me, across partners, by partner."""
    csm = require_role(request, Role.CSM)
    rows, cursor = paginate_list(crossschema.assigned_customers(csm), page)
    return {"items": [csm_customer_out(row) for row in rows], "next": cursor}
