from django import template

from portal.tenants.references import qualified as qualify

register = template.Library()


@register.filter
def qualified(partner, reference):
    """`{{ partner|qualified:ticket.reference }}`: NW-T-000002 in the console, the plain
    reference where no partner is given (the partner's own portal)."""
    return qualify(getattr(partner, "reference_prefix", None), reference)
