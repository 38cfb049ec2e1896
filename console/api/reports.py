"""A CSM's monthly reports in the vendor console's JSON API: the reports of their assigned
customers across partners, read by console.crossschema.csm_reports like the
report queue page."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from console import crossschema
from portal.api.auth import require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate_rows
from portal.api.schemas import ERRORS, CustomerRef, PartnerRef, one_of, partner_ref
from portal.users.models import Role
from reporting.models import MonthlyReport

router = Router(tags=["Monthly reports"])
STATUS_FIELD = forms.ChoiceField(choices=MonthlyReport.Status.choices, required=False)


class ReportFilters(Schema):
    status: one_of(MonthlyReport.Status.values) = None


class CsmReportOut(Schema):
    partner: PartnerRef
    id: int = Field(description="The report's id in its partner's portal.")
    customer: CustomerRef
    month: date
    status: str
    generated_at: datetime | None
    published_at: datetime | None
    updated_at: datetime = Field(description="When what is shown here last changed, or its "
                                             "customer was assigned to me.")


def csm_report_out(report):
    return {
        "partner": partner_ref(report.partner), "id": report.pk,
        "customer": {"id": report.customer_id, "site_id": report.site_id,
                     "name": report.customer_name},
        "month": report.month, "status": report.status,
        "generated_at": report.generated_at, "published_at": report.published_at,
        "updated_at": report.updated_at,
    }


@router.get("", response={200: Page[CsmReportOut], **ERRORS}, summary="List my reports",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_csm_reports(request, response: HttpResponse, filters: Query[ReportFilters],
                     sync: Query[SyncParams], page: Query[PageParams]):
    """Reports of the customers assigned to me, across partners: newest month first."""
    csm = require_role(request, Role.CSM)
    try:  # Django's own choice check and message
        status = STATUS_FIELD.clean(filters.status or "")
    except ValidationError as error:
        raise ValidationError({"status": error.messages}) from error
    rows, cursor = paginate_rows(crossschema.csm_reports(csm, status=status), page, sync)
    return conditional(request, response, {
        "items": [csm_report_out(report) for report in rows], "next": cursor})
