from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.catalogue.eligibility import Reason, coverage, is_eligible
from portal.catalogue.models import ProductModel

EOL = date(2024, 2, 29)  # a leap day
EOS = date(2026, 6, 30)


def model(**overrides):
    fields = {"sku": "X", "name": "X", "family": "Voyager", "category": "headsets",
              "quote_only_line": "", "end_of_life": EOL, "end_of_service": EOS,
              "list_price": Decimal("10.00")}
    fields.update(overrides)
    return ProductModel(**fields)


@pytest.mark.parametrize("day,covered", [
    (EOL - timedelta(days=1), True),
    (EOL, True),
    (EOL + timedelta(days=1), False),
])
def test_end_of_life_boundary(day, covered):
    result = coverage(model(end_of_service=None), ["headsets"], day)
    assert result.covered is covered
    assert (Reason.END_OF_LIFE in result.reasons) is not covered


@pytest.mark.parametrize("day,covered", [
    (EOS - timedelta(days=1), True),
    (EOS, True),
    (EOS + timedelta(days=1), False),
])
def test_end_of_service_boundary(day, covered):
    result = coverage(model(end_of_life=None), ["headsets"], day)
    assert result.covered is covered
    assert (Reason.END_OF_SERVICE in result.reasons) is not covered


def test_a_category_the_contract_does_not_cover():
    result = coverage(model(end_of_life=None, end_of_service=None), ["video", "voice"],
                      date(2026, 1, 1))
    assert not result.covered
    assert result.reasons == (Reason.CATEGORY_NOT_COVERED,)
    assert "category" in str(result.messages[0])


def test_every_reason_is_given_at_once():
    result = coverage(model(quote_only_line="itp"), ["video"], date(2027, 1, 1))
    assert set(result.reasons) == {Reason.CATEGORY_NOT_COVERED, Reason.QUOTE_ONLY,
                                   Reason.END_OF_LIFE, Reason.END_OF_SERVICE}


@given(
    line=st.sampled_from(["itp", "medialign", "telehealth", "educart", "infrastructure"]),
    category=st.sampled_from(["headsets", "video", "voice"]),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
)
def test_a_quote_only_model_is_never_covered(line, category, day):
    product = model(category=category, quote_only_line=line, end_of_life=None,
                    end_of_service=None)
    result = coverage(product, ["headsets", "video", "voice"], day)
    assert not result.covered
    assert Reason.QUOTE_ONLY in result.reasons
    assert not is_eligible(product, day)


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_a_model_without_dates_in_a_covered_category_is_always_covered(day):
    product = model(end_of_life=None, end_of_service=None)
    assert coverage(product, ["headsets"], day).covered
