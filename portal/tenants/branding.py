import base64
import mimetypes

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

from portal.storage import read_bytes

from .models import Partner


def vendor_brand():
    """The vendor's own row (the public tenant), or an unsaved one with the default look."""
    public = Partner.objects.filter(schema_name=get_public_schema_name()).first()
    if public is not None:
        return public
    defaults = {k: v for k, v in settings.VENDOR_BRANDING.items() if k != "name"}
    return Partner(
        schema_name=get_public_schema_name(),
        name=settings.VENDOR_BRANDING["name"],
        slug="vendor",
        **defaults,
    )


def current_brand():
    """The branding of the portal being served: the partner's, or the vendor's on the console."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Partner) and tenant.pk:
        return tenant
    if connection.schema_name != get_public_schema_name():
        # schema_context() switches the schema without loading the partner.
        partner = Partner.objects.filter(schema_name=connection.schema_name).first()
        if partner is not None:
            return partner
    return vendor_brand()


def on_console():
    """True while serving the vendor console (the public schema)."""
    return connection.schema_name == get_public_schema_name()


def logo_uri(brand):
    """The logo inline, as a data: URI, for WeasyPrint: no request to the web server, and
    no local path (the worker rendering the PDF may not share a disk with the web server)."""
    if not brand.logo:
        return ""
    try:
        data = read_bytes(brand.logo)
    except FileNotFoundError:
        return ""
    content_type = mimetypes.guess_type(brand.logo.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
