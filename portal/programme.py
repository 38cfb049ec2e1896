"""The programme's thresholds, as exact decimals, from settings.PROGRAMME."""

from decimal import ROUND_CEILING, Decimal

from django.conf import settings


def rule(name):
    return Decimal(str(settings.PROGRAMME[name]))


def whole_devices(baseline: Decimal) -> int:
    """A baseline as shown (SPEC §5): rounded up to a whole device."""
    return int(Decimal(baseline).to_integral_value(rounding=ROUND_CEILING))
