"""Contract rules (SPEC §5): baselines, activation, renewal."""

from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.programme import rule

from .models import BaselineEntry, BaselineVersion, Contract, ContractLine


def baseline_for(ordered):
    """The exact baseline: ordered × (1 + allowance)."""
    return Decimal(ordered) * (1 + rule("BASELINE_ALLOWANCE"))


def whole_devices(baseline):
    """A baseline as shown: rounded up to a whole device."""
    return int(Decimal(baseline).to_integral_value(rounding=ROUND_CEILING))


@transaction.atomic
def save_draft_contract(contract, lines):
    """Saves a draft's terms and replaces its category lines; active contracts are final."""
    if contract.pk and Contract.objects.get(pk=contract.pk).status != Contract.Status.DRAFT:
        raise ValidationError(_("Only a draft contract can be changed."))
    contract.full_clean()
    contract.save()
    contract.lines.exclude(category__in=lines).delete()
    for category, (installed, growth, annual_price) in lines.items():
        ContractLine.objects.update_or_create(
            contract=contract, category=category,
            defaults={"installed": installed, "growth": growth, "annual_price": annual_price},
        )
    return contract


def overlapping_active_contracts(contract):
    return Contract.objects.filter(
        customer=contract.customer, status=Contract.Status.ACTIVE,
        start__lte=contract.end, end__gte=contract.start,
    ).exclude(pk=contract.pk)


def activation_errors(contract, eligible_base):
    """Why `contract` cannot be activated; `eligible_base` counts eligible devices per
    category. Every covered category must order at least its eligible installed base."""
    errors = []
    lines = list(contract.lines.all())
    if not lines:
        errors.append(_("The contract covers no category yet."))
    for line in lines:
        shortfall = eligible_base.get(line.category, 0) - line.ordered
        if shortfall > 0:
            errors.append(_(
                "%(category)s: %(ordered)d ordered but the customer has %(eligible)d eligible "
                "devices; order %(shortfall)d more so that all eligible devices are covered."
            ) % {"category": line.get_category_display(), "ordered": line.ordered,
                 "eligible": eligible_base[line.category], "shortfall": shortfall})
    if overlapping_active_contracts(contract).exists():
        errors.append(_("The customer already has an active contract during this term."))
    return errors


@transaction.atomic
def activate_contract(contract, *, author):
    from inventory.services import eligible_installed_base

    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.DRAFT:
        raise ValidationError(_("Only a draft contract can be activated."))
    errors = activation_errors(contract, eligible_installed_base(contract.customer,
                                                                 contract.start))
    if errors:
        raise ValidationError(errors)
    contract.status = Contract.Status.ACTIVE
    contract.activated_at = timezone.now()
    contract.save(update_fields=["status", "activated_at"])
    record_baseline_version(
        contract, effective_date=contract.start, reason=_("Initial baseline"), author=author,
        ordered={line.category: line.ordered for line in contract.lines.all()},
    )
    return contract


def record_baseline_version(contract, *, effective_date, reason, author, ordered):
    """Adds the next baseline version; earlier versions stay as they were."""
    latest = contract.baseline_versions.order_by("-number").first()
    version = BaselineVersion.objects.create(
        contract=contract, number=(latest.number + 1) if latest else 1,
        effective_date=effective_date, reason=reason, author=str(author),
    )
    BaselineEntry.objects.bulk_create([
        BaselineEntry(version=version, category=category, ordered=count,
                      baseline=baseline_for(count))
        for category, count in sorted(ordered.items())
    ])
    return version


def current_baseline(contract):
    version = contract.baseline_versions.order_by("-number").first()
    return {entry.category: entry for entry in version.entries.all()} if version else {}


@transaction.atomic
def renew_contract(contract):
    """Drafts the next term: same length and prices, the adjusted counts as installed."""
    if hasattr(contract, "renewal"):
        raise ValidationError(_("This contract has already been renewed."))
    entries = current_baseline(contract)
    start = contract.end + timedelta(days=1)
    renewal = Contract.objects.create(
        customer=contract.customer, start=start, end=start + (contract.end - contract.start),
        currency=contract.currency, csm_blocks_per_month=contract.csm_blocks_per_month,
        tam_hours=contract.tam_hours,
        professional_services_discount=contract.professional_services_discount,
        renewal_of=contract,
    )
    ContractLine.objects.bulk_create([
        ContractLine(contract=renewal, category=line.category,
                     installed=entries[line.category].ordered if line.category in entries
                     else line.ordered,
                     growth=0, annual_price=line.annual_price)
        for line in contract.lines.all()
    ])
    return renewal


def expire_contracts(today=None):
    today = today or timezone.localdate()
    return Contract.objects.filter(status=Contract.Status.ACTIVE, end__lt=today).update(
        status=Contract.Status.EXPIRED)
