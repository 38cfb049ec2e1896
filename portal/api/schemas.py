"""Shapes shared by the API's resources."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

# Money and exact quantities travel as decimal strings ("1234.50"), never as floats.
DecimalString = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(value), return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["1234.50"]}),
]


class Out(BaseModel):
    """An answer's shape that pydantic reads by itself, from dicts or attributes. Ninja's
    Schema wraps every item in a getter made for Django objects and runs it field by
    field: for a page of 50 devices, thousands of calls that these shapes do not need."""

    model_config = ConfigDict(from_attributes=True)


class CustomerRef(Out):
    id: int
    site_id: str
    name: str


class ProblemOut(Schema):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str = Field(description="`about:blank`, or /api/v1/problems/<kind>.")
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, list[str]] | None = Field(
        None, description="Messages per field, when fields are at fault.")
    instance: str | None = None


class PartnerRef(Schema):
    slug: str
    name: str


def partner_ref(partner):
    return {"slug": partner.slug, "name": partner.name}


def customer_ref(customer):
    return {"id": customer.pk, "site_id": customer.site_id, "name": customer.name}


# Answers every operation may give besides its own: 422 for a parameter, a filter or a
# cursor that is not valid; a POST may also meet an unreadable body (400), a read-only
# token or a session without its CSRF token (403).
ERRORS = {401: ProblemOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut}
WRITE_ERRORS = {**ERRORS, 400: ProblemOut, 403: ProblemOut}


def one_of(values):
    """An optional text parameter that takes one of `values`. Documented here, checked by
    the pages' own filter forms, so that the rule and its messages stay theirs."""
    return Annotated[str | None, WithJsonSchema({"type": "string", "enum": list(values)})]
