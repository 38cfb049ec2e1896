"""Every route × every persona: who gets the page, who gets a 404, who is sent to log in.

The table is built from the URL configuration itself, so a new route is covered the moment
it exists: it must be wrapped in `role_required` (or marked `anonymous_allowed`), and it
must register its sample arguments (`samples_for` below) if it takes any. The JSON API
under `api/v1/` answers tokens and JSON, not pages: tests/api/test_isolation_matrix.py
walks each of its operations the same way.
"""

import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from portal.catalogue.models import ProductModel
from portal.users.models import PARTNER_ROLES, VENDOR_ROLES, User

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

OUR_PACKAGES = ("portal.", "contracts.", "inventory.", "tickets.", "reporting.", "console.")
API_PREFIX = "api/v1/"


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def our_routes(urlconf):
    return [
        (route, pattern) for route, pattern in walk(get_resolver(urlconf).url_patterns)
        if pattern.callback.__module__.startswith(OUR_PACKAGES)
        and not route.startswith(API_PREFIX)
    ]


@pytest.mark.parametrize("urlconf", ["portal.urls_tenant", "portal.urls_public"])
def test_every_route_is_ours_or_a_known_librarys(urlconf):
    for route, pattern in walk(get_resolver(urlconf).url_patterns):
        module = pattern.callback.__module__
        if route.startswith(API_PREFIX):
            # The API's operations are django-ninja's views, checked by the API matrix.
            # The console's API (urls_public) by tests/api/test_console_api.py.
            assert module.startswith(("ninja.", "functools")), route
        else:
            assert module.startswith(OUR_PACKAGES + ("allauth.",)), f"{route} ({module})"


# Route name → (the function giving its sample arguments, whether it runs inside the
# persona's own partner). A name ending in "_" stands for every route it begins, unless the
# route is registered by its full name. A new route plugs in with `@samples_for(...)`.
SAMPLE_ARGUMENTS = {}


def samples_for(*names, own_partner=True):
    def register(build):
        for name in names:
            assert name not in SAMPLE_ARGUMENTS, f"{name} has sample arguments already"
            SAMPLE_ARGUMENTS[name] = (build, own_partner)
        return build
    return register


def sample_kwargs(world, tenant, pattern):
    """Arguments that point at an object of the persona's own partner."""
    if not pattern.pattern.converters:
        return {}
    name = pattern.name
    prefixes = [key for key in SAMPLE_ARGUMENTS if key.endswith("_") and name.startswith(key)]
    key = name if name in SAMPLE_ARGUMENTS else max(prefixes, key=len, default=None)
    if key is None:
        raise AssertionError(f"give sample arguments for route {name}")
    build, own_partner = SAMPLE_ARGUMENTS[key]
    if not own_partner:
        return build(world, tenant)
    with tenant_context(tenant):
        return build(world, tenant)


@samples_for("customer_detail", "customer_edit")
def _customer(world, tenant):
    return {"pk": world.customer(tenant, "AL-0001").pk}


@samples_for("authorisation_letter_add")
def _letter_customer(world, tenant):
    return {"pk": sample_authorisation_letter(world, tenant).customer_id}


@samples_for("authorisation_letter_")
def _letter(world, tenant):
    letter = sample_authorisation_letter(world, tenant)
    return {"pk": letter.customer_id, "letter_pk": letter.pk}


@samples_for("download")
def _download(world, tenant):
    return {"kind": "document", "pk": _catalogue_document(world, tenant)["pk"]}


@samples_for("ticket_attachment")
def _ticket_attachment(world, tenant):
    attachment = sample_attachment(world, tenant)
    return {"pk": attachment.comment.ticket_id, "attachment_pk": attachment.pk}


@samples_for("ticket_joint_call_outcome")
def _joint_call(world, tenant):
    from django.utils import timezone

    from tickets.models import JointCall

    ticket = sample_ticket(world, tenant)
    call = JointCall.objects.filter(ticket=ticket).first() or JointCall.objects.create(
        ticket=ticket, requested_at=timezone.now(), participants="Matrix", recorded_by="Matrix")
    return {"pk": ticket.pk, "call_pk": call.pk}


@samples_for("ticket_")
def _ticket(world, tenant):
    return {"pk": sample_ticket(world, tenant).pk}


@samples_for("report_detail", "report_pdf")
def _report(world, tenant):
    return {"pk": sample_report(world, tenant).pk}


@samples_for("report_run_detail", "report_run_retry")
def _report_run(world, tenant):
    from reporting.models import ReportRun

    return {"pk": ReportRun.objects.get_or_create(month=date(2026, 10, 1))[0].pk}


@samples_for("quote_detail", "quote_decide")
def _quote(world, tenant):
    return {"pk": sample_quote(world, tenant).pk}


@samples_for("webhook_")
def _webhook(world, tenant):
    from portal.webhooks.models import Delivery, Endpoint

    endpoint, _ = Endpoint.objects.get_or_create(
        url="https://93.184.215.14/hooks",
        defaults={"events": ["ticket.created"], "secret": "whsec_sample"})
    delivery, _ = Delivery.objects.get_or_create(
        endpoint=endpoint, event="ticket.created", defaults={"payload": {}})
    return {"pk": endpoint.pk, "delivery_pk": delivery.pk}


@samples_for("rma_detail", "rma_advance")
def _rma(world, tenant):
    return {"pk": sample_rma(world, tenant).pk}


@samples_for("device_detail")
def _device(world, tenant):
    return {"pk": sample_device(world, tenant).pk}


@samples_for("lens_import_detail", "lens_import_review_", "lens_import_mapping",
             "lens_import_retry")
def _lens_import(world, tenant):
    return {"pk": sample_lens_import(world, tenant).pk}


@samples_for("lens_header_mapping_")
def _lens_header_mapping(world, tenant):
    from inventory.models import LensHeaderMapping

    mapping, _ = LensHeaderMapping.objects.get_or_create(key="matrix",
                                                         defaults={"header": "Matrix"})
    return {"pk": mapping.pk}


@samples_for("contract_")
def _contract(world, tenant):
    return {"pk": sample_contract(world, tenant).pk}


@samples_for("user_edit", "user_resend_invitation")
def _user(world, tenant):
    return {"pk": User.objects.order_by("pk").first().pk}


@samples_for("api_token_revoke")
def _api_token(world, tenant):
    return {"pk": sample_api_token(tenant).pk}


@samples_for("service_token_")
def _service_token(world, tenant):
    return {"pk": sample_service_token(tenant).pk}


@samples_for("catalogue_product_edit", "catalogue_product_detail", "catalogue_document_add",
             "catalogue_release_add", own_partner=False)
def _catalogue_product(world, tenant):
    return {"pk": ProductModel.objects.get(sku="VOY-TEST").pk}


@samples_for("catalogue_part_edit", own_partner=False)
def _catalogue_part(world, tenant):
    from portal.catalogue.models import SparePart

    part, _ = SparePart.objects.get_or_create(part_number="SP-SAMPLE",
                                              defaults={"description": "Sample part"})
    part.compatible_models.add(ProductModel.objects.get(sku="VOY-TEST"))
    return {"pk": part.pk}


@samples_for("catalogue_file_download", own_partner=False)
def _catalogue_document(world, tenant):
    from django.core.files.base import ContentFile

    from portal.catalogue.models import Document

    document, _ = Document.objects.get_or_create(
        product_model=ProductModel.objects.get(sku="VOY-TEST"), title="Sample datasheet",
        defaults={"file": ContentFile(b"%PDF-1.4 sample", name="sample.pdf")})
    return {"kind": "document", "pk": document.pk}


@samples_for("console_partner_customer_csm", "console_my_customer_detail",
             "console_csm_lens_upload", own_partner=False)
def _console_customer(world, tenant):
    return {"slug": "alpha", "customer_id": world.customer(world.alpha, "AL-0001").pk}


@samples_for("console_csm_lens_import", own_partner=False)
def _console_lens_import(world, tenant):
    return {"slug": "alpha", "customer_id": world.customer(world.alpha, "AL-0001").pk,
            "import_id": 1}


@samples_for("console_partner_", own_partner=False)
def _console_partner(world, tenant):
    return {"slug": "alpha"}


@samples_for("console_report_", own_partner=False)
def _console_report(world, tenant):
    with tenant_context(world.alpha):
        return {"slug": "alpha", "pk": sample_report(world, world.alpha).pk}


@samples_for("console_rma_detail", "console_rma_advance", own_partner=False)
def _console_rma(world, tenant):
    with tenant_context(world.alpha):
        return {"slug": "alpha", "pk": sample_rma(world, world.alpha).pk}


@samples_for("escalation_", own_partner=False)
def _escalation(world, tenant):
    with tenant_context(world.alpha):
        attachment = sample_attachment(world, world.alpha, escalated=True)
    return {"slug": "alpha", "pk": attachment.comment.ticket_id,
            "attachment_pk": attachment.pk}


@samples_for("accept_invitation", own_partner=False)
def _invitation(world, tenant):
    return {"uidb36": "zz", "key": "nope"}


def sample_contract(world, tenant):
    from datetime import date

    from contracts.models import Contract

    customer = world.customer(tenant, "AL-0001")
    contract, _ = Contract.objects.get_or_create(
        customer=customer, start=date(2030, 1, 1), defaults={"end": date(2030, 12, 31)})
    return contract


def sample_authorisation_letter(world, tenant):
    from datetime import date

    from django.core.files.base import ContentFile

    from contracts.models import AuthorisationLetter

    customer = world.customer(tenant, "AL-0001")
    letter = customer.authorisation_letters.first()
    if letter is None:
        letter = AuthorisationLetter(customer=customer, original_filename="matrix.pdf",
                                     signatory="Matrix Sample", signed_on=date(2026, 1, 1),
                                     expires_on=date(2027, 1, 1))
        letter.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 sample"), save=False)
        letter.save()
    return letter


def sample_ticket(world, tenant):
    from tickets.models import Ticket

    ticket, _ = Ticket.objects.get_or_create(
        subject="Matrix sample", defaults={"customer": world.customer(tenant, "AL-0001"),
                                           "description": "Sample"})
    return ticket


def sample_attachment(world, tenant, escalated=False):
    from django.core.files.base import ContentFile

    from tickets.models import Attachment, Comment, Ticket

    ticket, _ = Ticket.objects.get_or_create(
        subject="Matrix escalated" if escalated else "Matrix attachment",
        defaults={"customer": world.customer(tenant, "AL-0001"), "description": "Sample",
                  "escalation_level": "vendor" if escalated else "partner"})
    comment, _ = Comment.objects.get_or_create(ticket=ticket, defaults={"body": "See log"})
    attachment = comment.attachments.first() or Attachment.objects.create(
        comment=comment, file=ContentFile(b"log line", name="log.txt"), filename="log.txt",
        content_type="text/plain", size=8)
    return attachment


def sample_report(world, tenant):
    from django.utils import timezone

    from reporting.models import MonthlyReport

    contract = sample_contract(world, tenant)
    report, _ = MonthlyReport.objects.get_or_create(
        customer=contract.customer, month=date(2026, 10, 1),
        defaults={"contract": contract, "generated_at": timezone.now(),
                  "status": MonthlyReport.Status.PUBLISHED})
    return report


def sample_quote(world, tenant):
    from django.utils import timezone

    from reporting.models import TrueUpQuote

    report = sample_report(world, tenant)
    quote, _ = TrueUpQuote.objects.get_or_create(
        report=report, contract=report.contract,
        defaults={"adjustment_month": date(2030, 2, 1), "term_end": date(2030, 12, 31),
                  "months": 11, "currency": "EUR", "total": "0.00", "issued_by": "CSM",
                  "issued_at": timezone.now()})
    return quote


def sample_rma(world, tenant):
    from django.utils import timezone

    from tickets.models import Rma

    device = sample_device(world, tenant)
    rma = Rma.objects.filter(device=device).first()
    if rma is None:
        rma = Rma.objects.create(
            ticket=sample_ticket(world, tenant), customer=device.customer, device=device,
            product_model=device.product_model, category="headsets", fault="Broken",
            requested_at=timezone.now(), ship_to_country="FR",
            promised_ship_date=timezone.now().date())
    return rma


def sample_device(world, tenant):
    from inventory.models import Device

    customer = world.customer(tenant, "AL-0001")
    device, _ = Device.objects.get_or_create(
        serial="MATRIX0001", defaults={"customer": customer,
                                       "product_model": ProductModel.objects.get(sku="VOY-TEST")})
    return device


def sample_lens_import(world, tenant):
    from inventory.models import LensImport

    customer = world.customer(tenant, "AL-0001")
    lens_import, _ = LensImport.objects.get_or_create(
        original_filename="matrix.csv", customer=customer,
        defaults={"file": "lens-imports/matrix.csv"})
    return lens_import


def sample_api_token(tenant):
    from portal.users.models import Role
    from portal.users.services import create_api_token

    # A partner administrator's, or on the console a CSM's (console tokens are theirs).
    holder = User.objects.filter(role__in=[Role.PARTNER_ADMIN, Role.CSM]).order_by("pk").first()
    return (holder.api_tokens.first()
            or create_api_token(holder, name="Matrix", scope="read", days=7)[0])


def sample_service_token(tenant):
    from portal.users.models import Role, ServiceToken
    from portal.users.services import create_service_token

    admin = User.objects.filter(role=Role.PARTNER_ADMIN).order_by("pk").first()
    return (ServiceToken.objects.first()
            or create_service_token(admin, name="Matrix", scopes=["tickets:read"])[0])


def sample_path(world, tenant, route, pattern):
    path = "/" + route
    for name, value in sample_kwargs(world, tenant, pattern).items():
        path = re.sub(rf"<\w+:{name}>", str(value), path)
    return path


@pytest.mark.parametrize("urlconf", ["portal.urls_tenant", "portal.urls_public"])
def test_every_view_declares_who_may_open_it(urlconf):
    for route, pattern in our_routes(urlconf):
        assert hasattr(pattern.callback, "allowed_roles"), (
            f"{route} ({pattern.name}) is neither role_required nor anonymous_allowed"
        )


# Routes whose GET answers something else than a page to anyone allowed in.
NOT_A_PAGE = {"set_language": 405, "ticket_update": 405, "ticket_watch": 405,
              "ticket_bulk_update": 405, "rma_advance": 405, "console_rma_advance": 405,
              "ticket_joint_call_add": 405, "ticket_joint_call_outcome": 405,
              "report_run": 405, "report_run_retry": 405,
              "lens_import_review_confirm": 405, "lens_import_review_discard": 405,
              "lens_import_mapping": 405, "lens_header_mapping_delete": 405,
              "lens_import_retry": 405,
              "webhook_endpoint_delete": 405,
              "webhook_delivery_redeliver": 405, "quote_decide": 405, "console_report_action": 405,
              # a report of a customer not assigned to the CSM
              "console_report_detail": 404, "console_report_pdf": 404,
              "escalation_update": 405,
              "console_report_publish": 404,
              "contract_activate": 405, "contract_renew": 405,
              "authorisation_letter_add": 405, "authorisation_letter_revoke": 405,
              "user_resend_invitation": 405, "branding_logo": 404, "api_token_revoke": 405,
              "service_token_revoke": 405,
              "console_partner_logo": 404, "console_partner_domain_add": 405,
              # no logo stored; the previews' colours need the form's values
              "branding_logo_dark": 404, "console_partner_logo_dark": 404,
              "branding_preview_css": 404, "branding_preview_pdf": 405,
              "console_partner_branding_preview_pdf": 405,
              "console_partner_sender": 405,
              "accept_invitation": 404,
              # no active contract covers the sample document's model
              "download": 404, "console_partner_customer_csm": 405,
              "catalogue_document_add": 405, "catalogue_release_add": 405,
              # unassigned customer: a CSM gets nothing
              "console_my_customer_detail": 404, "console_csm_lens_upload": 404,
              "console_csm_lens_import": 404}

PORTAL_PERSONAS = ["alpha_admin", "alpha_agent", "alpha_customer1"]
CONSOLE_PERSONAS = ["vendor_admin", "csm", "support_engineer"]


def expected_status(pattern, role):
    allowed = pattern.callback.allowed_roles
    if allowed is None or role in allowed:
        return NOT_A_PAGE.get(pattern.name, 200)
    return 404


@pytest.mark.parametrize("persona", PORTAL_PERSONAS)
def test_partner_portal_routes_by_role(world, persona):
    person = world[persona]
    client = person.client()
    for route, pattern in our_routes("portal.urls_tenant"):
        path = sample_path(world, person.tenant, route, pattern)
        response = client.get(path)
        assert response.status_code == expected_status(pattern, person.user.role), (
            f"{persona} GET {path} ({pattern.name})"
        )


@pytest.mark.parametrize("persona", CONSOLE_PERSONAS)
def test_console_routes_by_role(world, persona):
    person = world[persona]
    client = person.client()
    for route, pattern in our_routes("portal.urls_public"):
        path = sample_path(world, person.tenant, route, pattern)
        response = client.get(path)
        assert response.status_code == expected_status(pattern, person.user.role), (
            f"{persona} GET {path} ({pattern.name})"
        )


@pytest.mark.parametrize("urlconf,host", [("portal.urls_tenant", "alpha.localhost"),
                                          ("portal.urls_public", "localhost")])
def test_anonymous_visitors_are_sent_to_log_in(world, client, urlconf, host):
    for route, pattern in our_routes(urlconf):
        if pattern.callback.allowed_roles is None or pattern.pattern.converters:
            continue
        response = client.get("/" + route, HTTP_HOST=host)
        assert response.status_code == 302, route
        assert response["Location"].startswith("/accounts/login/"), route


def test_roles_split_between_console_and_portals():
    assert not VENDOR_ROLES & PARTNER_ROLES
