"""Content-Security-Policy: the portal's pages load scripts, styles, images and fonts from
their own origin only, run no inline script and apply no inline style.

Every request gets a fresh nonce (`request.csp_nonce`, `csp_nonce` in templates) that the
policy names for scripts and styles, for the rare tag that cannot be a static file; style
attributes are refused whatever the nonce. `CONTENT_SECURITY_POLICY` switches the header
on (off by default only under DEBUG: Django's own error pages inline their styles).
"""

import secrets

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy(nonce):
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        # The two-factor enrolment shows its QR code as a data: image.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and HEADER not in response:
            response[HEADER] = policy(request.csp_nonce)
        return response


def nonce(request):
    """Template context: `csp_nonce` (django-htmx's {% htmx_script %} reads it too)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
