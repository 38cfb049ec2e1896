"""The programme's numbers on the role dashboards (SPEC §8, §9): each figure is one
aggregate query, whatever the number of customers, contracts or devices."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)

from contracts.models import Contract, Customer
from inventory.coverage import covered_q
from inventory.models import Device
from portal.users.models import User
from reporting.models import MonthlyReport, TrueUpQuote
from tickets.rma.services import headset_rate

LIST_SIZE = 8


@dataclass
class Listed:
    """The first rows of a list and the count of all of them."""

    rows: list[Any]
    count: int


def _listed(queryset, size=LIST_SIZE):
    # The count rides along the first rows (a window over the whole list): one query.
    rows = list(queryset.annotate(listed_total=Window(Count("pk")))[:size])
    return Listed(rows, rows[0].listed_total if rows else 0)


def counts(user: User, **querysets: QuerySet) -> dict[str, int]:
    """The number of rows of each queryset, by name, in one query: each count a subquery
    read alongside the signed-in user's row (which is there), rather than a query each."""
    return User.objects.filter(pk=user.pk).values(**{
        name: Subquery(queryset.order_by().annotate(
            rows=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("rows"))
        for name, queryset in querysets.items()}).get()


def customer_programme(customer: Customer, today: date) -> dict[str, Any]:
    """A customer user's numbers: devices covered or not, headset replacements used and
    left this year, the latest published report."""
    devices = Device.objects.filter(customer=customer, status=Device.Status.ACTIVE).aggregate(
        total=Count("pk"), covered=Count("pk", filter=covered_q(today, customer)))
    return {
        "devices_covered": devices["covered"],
        "devices_not_covered": devices["total"] - devices["covered"],
        "headsets": headset_rate(customer, today.year, today),
        "latest_report": MonthlyReport.objects.filter(
            customer=customer, status=MonthlyReport.Status.PUBLISHED).order_by("-month").first(),
    }


def partner_admin_programme(today: date, now: datetime) -> dict[str, Any]:
    """A partner administrator's to-do: contracts ending soon, true-ups due, customers whose
    Lens import is old or missing (and, for `counts`, the quotes waiting for a purchase
    order in `quotes_awaiting_po`)."""
    ending = (Contract.objects.active().filter(
        end__gte=today, end__lte=today + timedelta(days=settings.DASHBOARD_CONTRACTS_ENDING_DAYS))
        .select_related("customer").only("end", "customer__name").order_by("end", "pk"))
    # A true-up is due when the customer's latest report says so and no quote answers it.
    latest_month = MonthlyReport.objects.filter(customer=OuterRef("customer")).order_by(
        "-month").values("month")[:1]
    true_ups = (MonthlyReport.objects.filter(month=Subquery(latest_month),
                                             figures__true_up__due=True)
                .exclude(Exists(TrueUpQuote.objects.filter(
                    report=OuterRef("pk"), status__in=[TrueUpQuote.Status.ISSUED,
                                                       TrueUpQuote.Status.ACCEPTED])))
                .select_related("customer").only("month", "customer__name")
                .order_by("customer__name", "pk"))
    stale_before = now - timedelta(days=settings.DASHBOARD_LENS_IMPORT_STALE_DAYS)
    stale = (Customer.objects.filter(Exists(Contract.objects.active().filter(
        customer=OuterRef("pk"))))
        .only("name").annotate(last_import=Max("lens_imports__created_at"))
        .filter(Q(last_import__isnull=True) | Q(last_import__lt=stale_before))
        .order_by("last_import", "name", "pk"))
    return {
        "contracts_ending": _listed(ending),
        "ending_days": settings.DASHBOARD_CONTRACTS_ENDING_DAYS,
        "true_ups_due": _listed(true_ups),
        "stale_lens_imports": _listed(stale),
    }


def quotes_awaiting_po() -> QuerySet:
    return TrueUpQuote.objects.filter(status=TrueUpQuote.Status.ISSUED)
