"""Contract rules (SPEC §5): baselines, activation, renewal; and the customers'
authorisation letters for cloud-partner incidents (SPEC §7)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats
from portal.catalogue.eligibility import is_eligible
from portal.consoleindex import services as console_index
from portal.prepared import PreparedRows, prefetch_prepared
from portal.programme import rule
from portal.users.models import User

from .models import (
    AuthorisationLetter,
    BaselineEntry,
    BaselineVersion,
    Contract,
    ContractLine,
    Customer,
    visible_prepared,
)

# What a draft covers: per category, (installed, growth, annual price per device).
DraftLines = Mapping[str, tuple[int, int, Decimal]]


def baseline_for(ordered: int) -> Decimal:
    """The exact baseline: ordered × (1 + allowance)."""
    return Decimal(ordered) * (1 + rule("BASELINE_ALLOWANCE"))


@transaction.atomic
def save_customer(customer: Customer) -> Customer:
    """Creates or edits a customer; what the console's queues show of it (name, Site ID,
    and an assigned customer's place and language) changes in the same transaction."""
    customer.save()
    console_index.customer_changed(
        customer.pk, name=customer.name, site_id=customer.site_id, city=customer.city,
        country=str(customer.country), time_zone=customer.time_zone,
        language=customer.language)
    return customer


@transaction.atomic
def save_draft_contract(contract: Contract, lines: DraftLines) -> Contract:
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


def overlapping_active_contracts(contract: Contract) -> QuerySet[Contract]:
    return Contract.objects.filter(
        customer=contract.customer, status=Contract.Status.ACTIVE,
        start__lte=contract.end, end__gte=contract.start,
    ).exclude(pk=contract.pk)


def activation_errors(contract: Contract, eligible_base: Mapping[str, int]) -> list[str]:
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


def eligible_installed_base(customer: Customer, on_date: date) -> Counter[str]:
    """Active devices of the customer that the programme can cover, counted per category.

    Read through the customer's devices: the inventory's table points at the customer, so
    contracts need not know the inventory app."""
    counts: Counter[str] = Counter()
    for device in customer.devices.filter(status="active").select_related("product_model"):
        if is_eligible(device.product_model, on_date):
            counts[device.product_model.category] += 1
    return counts


@transaction.atomic
def activate_contract(contract: Contract, *, author: str) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.DRAFT:
        raise ValidationError(_("Only a draft contract can be activated."))
    errors = activation_errors(contract, eligible_installed_base(contract.customer,
                                                                 contract.start))
    if errors:
        raise ValidationError(errors)
    contract.status = Contract.Status.ACTIVE
    contract.activated_at = timezone.now()
    contract.save(update_fields=["status", "activated_at", "updated_at"])
    record_baseline_version(
        contract, effective_date=contract.start, reason=_("Initial baseline"), author=author,
        ordered={line.category: line.ordered for line in contract.lines.all()},
    )
    return contract


def record_baseline_version(contract: Contract, *, effective_date: date, reason: str,
                            author: str, ordered: Mapping[str, int]) -> BaselineVersion:
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
    # The contract's API answer lists its versions: syncing partners see it changed.
    Contract.objects.filter(pk=contract.pk).update(updated_at=timezone.now())
    return version


def contracts_with_baselines(customer: Customer) -> list[Contract]:
    """The customer's contracts with their lines, baseline versions and entries, as
    `prefetch_related("lines", "baseline_versions__entries")` gives them (four statements,
    compiled once per thread)."""
    contracts = PreparedRows(
        "customer-contracts", Contract, lambda customer: Contract.objects.filter(
            customer=customer), {"customer": Contract._meta.get_field("customer")},
        {"customer": customer.pk}).all()
    _with_baselines(contracts)
    return contracts


def visible_contract_with_baselines(user: User, pk: int) -> Contract | None:
    """The contract `pk` if `user` may see it (`Contract.objects.visible_to`), with its
    customer, renewals, lines, baseline versions and entries: what the contract's page
    shows, as `select_related` and `prefetch_related` give them, in five statements
    compiled once per thread."""
    rows = visible_prepared(
        user, "contract-with-baselines", Contract, lambda visible, pk: Contract.objects
        .filter(visible, pk=pk).select_related("customer", "renewal_of", "renewal"),
        {"pk": Contract._meta.pk}, {"pk": pk})
    contract = rows.first() if rows is not None else None
    if contract is not None:
        _with_baselines([contract])
    return contract


def _with_baselines(contracts: list[Contract]) -> None:
    prefetch_prepared(contracts, "lines", ContractLine, "contract")
    versions = prefetch_prepared(contracts, "baseline_versions", BaselineVersion, "contract")
    prefetch_prepared(versions, "entries", BaselineEntry, "version")


def current_baseline(contract: Contract) -> dict[str, BaselineEntry]:
    version = contract.baseline_versions.order_by("-number").first()
    return {entry.category: entry for entry in version.entries.all()} if version else {}


@transaction.atomic
def renew_contract(contract: Contract) -> Contract:
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


def expire_contracts(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return Contract.objects.filter(status=Contract.Status.ACTIVE, end__lt=today).update(
        status=Contract.Status.EXPIRED, updated_at=timezone.now())  # update() skips auto_now


# Authorisation letters (SPEC §7) ----------------------------------------------------------
#
# A partner may open an incident with a cloud partner (Teams, Zoom, …) on the customer's
# behalf only while a signed letter from the customer is on file: signed on or before the
# day, expiring on or after it, and not revoked.


def valid_authorisation_letter(customer: Customer,
                               on_date: date) -> AuthorisationLetter | None:
    """The letter that allows cloud-partner incidents for `customer` on `on_date` (the one
    that runs longest), or None. A letter is valid on its expiry date, not the day after."""
    return (AuthorisationLetter.objects
            .filter(customer=customer, revoked_at__isnull=True, signed_on__lte=on_date,
                    expires_on__gte=on_date)
            .order_by("-expires_on", "-uploaded_at", "-pk").first())


def long_date(value: date) -> str:
    return formats.long_date(value)


def authorisation_letter_refusal(customer: Customer, on_date: date,
                                 letters: list[AuthorisationLetter] | None = None) -> str | None:
    """None when a valid letter is on file on `on_date`; otherwise why no cloud-partner
    incident can be opened on the customer's behalf, in the active language. `letters`: the
    customer's letters when the caller has read them already (their dates suffice)."""
    # A customer has a handful of letters: read once, each case picked from them.
    if letters is None:
        letters = list(AuthorisationLetter.objects.filter(customer=customer))
    if any(letter.revoked_at is None and letter.signed_on <= on_date <= letter.expires_on
           for letter in letters):
        return None
    revoked = max((letter for letter in letters if letter.revoked_at is not None
                   and letter.signed_on <= on_date <= letter.expires_on),
                  key=attrgetter("revoked_at"), default=None)
    if revoked is not None:
        return _(
            "The authorisation letter on file was revoked on %(date)s. A new letter signed "
            "by the customer is needed before an incident can be opened with a cloud partner "
            "on its behalf."
        ) % {"date": long_date(timezone.localdate(revoked.revoked_at))}
    expired = max((letter for letter in letters if letter.expires_on < on_date),
                  key=attrgetter("expires_on"), default=None)
    if expired is not None:
        return _(
            "The authorisation letter on file expired on %(date)s. A new letter signed by "
            "the customer is needed before an incident can be opened with a cloud partner on "
            "its behalf."
        ) % {"date": long_date(expired.expires_on)}
    upcoming = min((letter for letter in letters
                    if letter.revoked_at is None and letter.signed_on > on_date),
                   key=attrgetter("signed_on"), default=None)
    if upcoming is not None:
        return _(
            "The authorisation letter on file is only valid from %(date)s. Until then no "
            "incident can be opened with a cloud partner on the customer's behalf."
        ) % {"date": long_date(upcoming.signed_on)}
    return _(
        "No signed authorisation letter from the customer is on file, so no incident can be "
        "opened with a cloud partner on its behalf. Upload the letter on the customer's page."
    )


@dataclass(frozen=True)
class LetterFileType:
    label: str
    signatures: tuple[bytes, ...]
    extensions: tuple[str, ...]  # the first one is the stored file's suffix
    content_type: str

    @property
    def suffix(self) -> str:
        return self.extensions[0]


LETTER_FILE_TYPES = (
    LetterFileType("PDF", (b"%PDF-",), (".pdf",), "application/pdf"),
    LetterFileType("PNG", (b"\x89PNG\r\n\x1a\n",), (".png",), "image/png"),
    LetterFileType("JPEG", (b"\xff\xd8\xff",), (".jpg", ".jpeg"), "image/jpeg"),
)


def letter_file_type(name: str) -> LetterFileType | None:
    """The accepted type a stored or uploaded file name says, or None."""
    suffix = PurePath(name).suffix.lower()
    return next((kind for kind in LETTER_FILE_TYPES if suffix in kind.extensions), None)


def check_authorisation_letter_file(upload: File,
                                    filename: str | None = None) -> LetterFileType:
    """The type of an uploaded letter, read from its first bytes; ValidationError when it
    is too large, not a PDF, PNG or JPEG file, or named as something else than it is."""
    name = PurePath(filename or upload.name or "").name
    limit = settings.AUTHORISATION_LETTER_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; an authorisation letter may be at most %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    by_content = next((kind for kind in LETTER_FILE_TYPES
                       if head.startswith(kind.signatures)), None)
    if by_content is None:
        raise ValidationError(
            _("%(name)s is not a PDF, PNG or JPEG file (its content was checked, not only its "
              "name). Upload the signed letter as a PDF or a scanned image."),
            params={"name": name}, code="bad_type",
        )
    if letter_file_type(name) is not by_content:
        raise ValidationError(
            _("%(name)s contains a %(kind)s file but is not named like one. Give it the "
              "%(suffix)s extension and upload it again."),
            params={"name": name, "kind": by_content.label, "suffix": by_content.suffix},
            code="misnamed",
        )
    return by_content


def authorisation_letter_date_errors(customer: Customer, signed_on: date | None,
                                     expires_on: date | None,
                                     today: date | None = None) -> dict[str, str]:
    """{field: message} for dates a letter cannot have; empty when they are fine."""
    today = today or customer.today()
    errors = {}
    if signed_on and signed_on > today:
        errors["signed_on"] = _(
            "The signature date cannot be in the future: it is %(today)s for this customer."
        ) % {"today": long_date(today)}
    if signed_on and expires_on and expires_on <= signed_on:
        errors["expires_on"] = _("The expiry date must come after the signature date.")
    return errors


@transaction.atomic
def add_authorisation_letter(customer: Customer, *, file: File, signatory: str,
                             signed_on: date, expires_on: date, signatory_title: str = "",
                             uploaded_by: User | None = None, filename: str | None = None,
                             today: date | None = None) -> AuthorisationLetter:
    """Checks and stores a signed letter under a random name; returns the new letter."""
    file_type = check_authorisation_letter_file(file, filename)
    errors = authorisation_letter_date_errors(customer, signed_on, expires_on, today)
    signatory = (signatory or "").strip()
    if not signatory:
        errors["signatory"] = _("Enter the name of the person who signed the letter.")
    if errors:
        raise ValidationError(errors)
    original = PurePath(filename or file.name or "").name or f"letter{file_type.suffix}"
    letter = AuthorisationLetter(
        customer=customer, original_filename=original[-255:], size=file.size,
        signatory=signatory, signatory_title=(signatory_title or "").strip(),
        signed_on=signed_on, expires_on=expires_on, uploaded_by=uploaded_by,
    )
    letter.file.save(f"letter{file_type.suffix}", file, save=False)
    letter.save()
    return letter


@transaction.atomic
def revoke_authorisation_letter(letter: AuthorisationLetter, *,
                                revoked_by: User | None = None) -> AuthorisationLetter:
    """Withdraws a letter from today on; the letter and its file are kept."""
    letter = AuthorisationLetter.objects.select_for_update().get(pk=letter.pk)
    if letter.is_revoked:
        raise ValidationError(_("This letter was already revoked on %(date)s.") % {
            "date": long_date(timezone.localdate(letter.revoked_at))})
    letter.revoked_at = timezone.now()
    letter.revoked_by = revoked_by
    letter.save(update_fields=["revoked_at", "revoked_by"])
    return letter


def open_authorisation_letter(letter: AuthorisationLetter) -> IO[bytes]:
    """An open binary handle on the stored file; FileNotFoundError if it has gone.
    Whoever calls it decides who may download."""
    if not letter.file:
        raise FileNotFoundError(letter.pk)
    return letter.file.storage.open(letter.file.name, "rb")
