"""The programme's numbers on the role dashboards (SPEC §8, §9): each figure is one
aggregate query, whatever the number of customers, contracts or devices."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
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
from portal.prepared import PreparedRows
from portal.users.models import User
from reporting.models import MonthlyReport, TrueUpQuote
from tickets.rma.services import headset_rate

LIST_SIZE = 8


@dataclass
class Listed:
    """The first rows of a list and the count of all of them."""

    rows: list[Any]
    count: int


def _listed(rows: PreparedRows, size: int = LIST_SIZE) -> Listed:
    # The count rides along the first rows (a window over the whole list): one query.
    found = rows.narrowed(f"listed:{size}", lambda queryset: queryset.annotate(
        listed_total=Window(Count("pk")))[:size]).all()
    return Listed(found, found[0].listed_total if found else 0)


def recent_customers(size: int = 5) -> list[Customer]:
    return PreparedRows(f"dashboard-recent-customers:{size}", Customer, lambda: Customer
                        .objects.only("name", "site_id").order_by("-created_at")[:size]).all()


def pending_invitations() -> list[User]:
    """Users invited who have not chosen a password yet."""
    return PreparedRows("dashboard-invitations", User, lambda: User.objects.filter(
        is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX).only(
        "email", "role")).all()


def quotes_awaiting_po() -> QuerySet:
    return TrueUpQuote.objects.filter(status=TrueUpQuote.Status.ISSUED)


# The dashboards' counters: whole tables of the partner, the same for every request.
COUNTERS = {
    "customer_count": Customer.objects.all,
    "user_count": lambda: User.objects.filter(is_active=True),
    "quotes_awaiting_po": quotes_awaiting_po,
}


def counts(user: User, *names: str) -> dict[str, int]:
    """The number of rows of each of the COUNTERS named, in one query: each count a
    subquery read alongside the signed-in user's row (which is there), rather than a query
    each; compiled once per thread for each set of names."""
    found = PreparedRows(
        f"dashboard-counts:{','.join(names)}", User, lambda me: User.objects.filter(
            pk=me).values(**{name: Subquery(COUNTERS[name]().order_by().annotate(
                rows=Func(F("pk"), function="COUNT", output_field=IntegerField()))
                .values("rows")) for name in names}),
        {"me": User._meta.pk}, {"me": user.pk}).first()
    return found or dict.fromkeys(names, 0)


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
    day = Contract._meta.get_field("end")
    ending = PreparedRows(
        "dashboard-contracts-ending", Contract, lambda today, until: Contract.objects.active()
        .filter(end__gte=today, end__lte=until).select_related("customer")
        .only("end", "customer__name").order_by("end", "pk"), {"today": day, "until": day},
        {"today": today,
         "until": today + timedelta(days=settings.DASHBOARD_CONTRACTS_ENDING_DAYS)})
    # A true-up is due when the customer's latest report says so and no quote answers it.
    latest_month = MonthlyReport.objects.filter(customer=OuterRef("customer")).order_by(
        "-month").values("month")[:1]
    true_ups = PreparedRows(
        "dashboard-true-ups", MonthlyReport, lambda: MonthlyReport.objects.filter(
            month=Subquery(latest_month), figures__true_up__due=True)
        .exclude(Exists(TrueUpQuote.objects.filter(
            report=OuterRef("pk"), status__in=[TrueUpQuote.Status.ISSUED,
                                               TrueUpQuote.Status.ACCEPTED])))
        .select_related("customer").only("month", "customer__name")
        .order_by("customer__name", "pk"))
    stale = PreparedRows(
        "dashboard-stale-imports", Customer, lambda stale_before: Customer.objects.filter(
            Exists(Contract.objects.active().filter(customer=OuterRef("pk"))))
        .only("name").annotate(last_import=Max("lens_imports__created_at"))
        .filter(Q(last_import__isnull=True) | Q(last_import__lt=stale_before))
        .order_by("last_import", "name", "pk"),
        {"stale_before": Customer._meta.get_field("created_at")},
        {"stale_before": now - timedelta(days=settings.DASHBOARD_LENS_IMPORT_STALE_DAYS)})
    return {
        "contracts_ending": _listed(ending),
        "ending_days": settings.DASHBOARD_CONTRACTS_ENDING_DAYS,
        "true_ups_due": _listed(true_ups),
        "stale_lens_imports": _listed(stale),
    }

