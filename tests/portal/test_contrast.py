from decimal import Decimal

import pytest
from django.test import override_settings

from portal.tenants.services import (
    contrast_ratio,
    contrast_warnings,
    is_dark,
    is_readable,
    shown_ratio,
)


def test_black_on_white_is_the_widest_contrast_and_a_colour_on_itself_none():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#1f4e79", "#1f4e79") == pytest.approx(1)


def test_the_grey_on_each_side_of_the_aa_line():
    # #767676 is the lightest grey that passes AA on white; #777777 just fails.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert is_readable(contrast_ratio("#767676", "#ffffff"))
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert not is_readable(contrast_ratio("#777777", "#ffffff"))


def test_exactly_the_minimum_passes_and_a_hair_below_fails():
    assert is_readable(4.5)
    assert not is_readable(4.4999)
    with override_settings(BRANDING_MIN_CONTRAST=7):
        assert not is_readable(4.5)
        assert is_readable(7.0)


def test_a_failing_ratio_is_never_shown_as_passing():
    assert shown_ratio(4.4999) == Decimal("4.49")
    assert shown_ratio(4.5) == Decimal("4.50")


def test_warnings_name_the_pair_below_aa_with_its_ratio():
    assert contrast_warnings("#1f4e79", "#b42318") == []
    warnings = contrast_warnings("#ffcc00", "#ffcc00")
    assert [warning["field"] for warning in warnings] == ["primary_colour", "accent_colour"]
    assert warnings[0]["ratio"] == shown_ratio(contrast_ratio("#ffffff", "#ffcc00"))
    assert [w["field"] for w in contrast_warnings("#1f4e79", "#f28c28")] == ["accent_colour"]


def test_a_header_is_dark_when_white_reads_better_than_black_on_it():
    assert is_dark("#1f4e79")
    assert is_dark("#000000")
    assert not is_dark("#ffffff")
    assert not is_dark("#ffcc00")
