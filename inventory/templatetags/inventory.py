from django import template

from ..tables import coverage_badge as badge

register = template.Library()


@register.simple_tag
def coverage_badge(coverage):
    return badge(coverage)
