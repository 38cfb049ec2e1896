"""The programme's thresholds, as exact decimals, from settings.PROGRAMME."""

from decimal import Decimal

from django.conf import settings


def rule(name):
    return Decimal(str(settings.PROGRAMME[name]))
