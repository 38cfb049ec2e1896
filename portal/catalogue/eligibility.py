"""Whether a product model is covered by a contract on a given date, and why not.

The one place that answers it: registration, RMAs, reports and counts all ask here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class Reason:
    NO_ACTIVE_CONTRACT = "no_active_contract"
    CATEGORY_NOT_COVERED = "category_not_covered"
    QUOTE_ONLY = "quote_only"
    END_OF_LIFE = "end_of_life"
    END_OF_SERVICE = "end_of_service"
    # The device itself, whatever its model: it has left the installed base.
    DEVICE_REPLACED = "device_replaced"
    DEVICE_RETIRED = "device_retired"


MESSAGES = {
    Reason.NO_ACTIVE_CONTRACT: _("The customer has no active contract on that date."),
    Reason.CATEGORY_NOT_COVERED: _("Its category is not covered by the contract."),
    Reason.QUOTE_ONLY: _("This product line needs a custom quote."),
    Reason.END_OF_LIFE: _("The product has reached its end of life."),
    Reason.END_OF_SERVICE: _("The product has reached its end of service."),
    Reason.DEVICE_REPLACED: _("The device has been replaced."),
    Reason.DEVICE_RETIRED: _("The device is retired."),
}


@dataclass(frozen=True)
class Coverage:
    covered: bool
    reasons: tuple = ()

    @property
    def messages(self):
        return [MESSAGES[reason] for reason in self.reasons]

    def __bool__(self):
        return self.covered


def coverage(product_model, covered_categories, on_date):
    """Covered when the category is covered, the line is not quote-only, and neither the
    end-of-life nor the end-of-service date has passed (on the date itself it still holds)."""
    reasons = []
    if product_model.category not in set(covered_categories):
        reasons.append(Reason.CATEGORY_NOT_COVERED)
    if product_model.is_quote_only:
        reasons.append(Reason.QUOTE_ONLY)
    if product_model.end_of_life and on_date > product_model.end_of_life:
        reasons.append(Reason.END_OF_LIFE)
    if product_model.end_of_service and on_date > product_model.end_of_service:
        reasons.append(Reason.END_OF_SERVICE)
    return Coverage(covered=not reasons, reasons=tuple(reasons))


def is_eligible(product_model, on_date):
    """Could be covered by some contract: the category aside, nothing rules it out."""
    return coverage(product_model, [product_model.category], on_date).covered
