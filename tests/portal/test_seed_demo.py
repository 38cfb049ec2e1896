from django.core.management import call_command
from django_tenants.utils import schema_context

from contracts.models import AuthorisationLetter, Customer
from portal.tenants.models import Domain, Partner
from portal.users.models import Role, User
from tickets.models import Ticket


def counts():
    result = {"partners": Partner.objects.count(), "domains": Domain.objects.count()}
    with schema_context("public"):
        result["vendor_staff"] = User.objects.count()
    for schema in ("northwind", "azur"):
        with schema_context(schema):
            result[schema] = (User.objects.count(), Customer.objects.count(),
                              AuthorisationLetter.objects.count(), Ticket.objects.count())
    return result


def test_the_demo_is_complete_and_seeding_twice_changes_nothing(db):
    """Seeding takes a while (two schemas, imports, PDFs): once, then every check."""
    call_command("seed_demo", "--console-domain", "localhost")
    first = counts()
    call_command("seed_demo", "--console-domain", "localhost")
    assert counts() == first
    for check in CHECKS:
        check()


def check_every_role():
    northwind = Partner.objects.get(slug="northwind")
    azur = Partner.objects.get(slug="azur")
    assert northwind.status == azur.status == Partner.Status.ACTIVE
    assert azur.default_language == "fr" and northwind.default_language == "en"
    assert northwind.primary_colour != azur.primary_colour
    with schema_context("public"):
        roles = sorted(User.objects.filter(email__endswith="polyplus.example")
                       .values_list("role", flat=True))
    assert roles == sorted([Role.VENDOR_ADMIN, Role.CSM, Role.CSM, Role.SUPPORT_ENGINEER])
    for schema in ("northwind", "azur"):
        with schema_context(schema):
            assert set(User.objects.values_list("role", flat=True)) == {
                Role.PARTNER_ADMIN, Role.PARTNER_AGENT, Role.CUSTOMER_USER}
            assert Customer.objects.count() == 2
            for customer in Customer.objects.all():
                assert customer.users.filter(role=Role.CUSTOMER_USER).exists()


def check_demo_customers_have_active_contracts_and_one_has_a_renewal_history():
    from console.models import CsmAssignment
    from contracts.models import Contract

    for schema in ("northwind", "azur"):
        with schema_context(schema):
            for customer in Customer.objects.all():
                assert customer.contracts.filter(status=Contract.Status.ACTIVE).count() == 1
    with schema_context("northwind"):
        renewal = Contract.objects.get(customer__site_id="NW-100201",
                                       status=Contract.Status.ACTIVE)
        previous = renewal.renewal_of
        assert previous.status == Contract.Status.EXPIRED
        assert previous.baseline_versions.count() == 2
        headsets = renewal.lines.get(category="headsets")
        adjusted = previous.baseline_versions.get(number=2).entries.get(category="headsets")
        assert headsets.installed == adjusted.ordered
    assert CsmAssignment.objects.filter(csm__email="csm.north@polyplus.example").count() == 2


def check_demo_customers_show_a_valid_and_an_expired_authorisation_letter():
    from contracts.services import authorisation_letter_refusal

    with schema_context("northwind"):
        valid = Customer.objects.get(site_id="NW-100201")
        expired = Customer.objects.get(site_id="NW-100202")
        assert authorisation_letter_refusal(valid, valid.today()) is None
        assert "expired on" in authorisation_letter_refusal(expired, expired.today())
        letter = valid.authorisation_letters.get()
        with letter.file.open("rb") as stored:
            content = stored.read()
        assert content.startswith(b"%PDF-1.4") and content.endswith(b"%%EOF\n")
        assert letter.uploaded_by.email == "agent@northwind-uc.example"


def check_demo_tickets_cover_every_state_escalations_and_cloud_incidents():
    with schema_context("northwind"):
        assert set(Ticket.objects.values_list("status", flat=True)) == set(Ticket.Status.values)
        assert set(Ticket.objects.values_list("escalation_level", flat=True)) == set(
            Ticket.Level.values)
        # Contoso has a valid letter, Fabrikam an expired one.
        assert set(Ticket.objects.exclude(cloud_partner="").values_list(
            "customer__site_id", "cloud_status")) == {("NW-100201", "open"),
                                                       ("NW-100202", "referred")}
        assert Ticket.objects.filter(breaches__isnull=False).exists()
        assert Ticket.objects.filter(comments__internal=True).exists()


def check_demo_replacements_cover_every_step_and_one_customer_pays_for_headsets():
    from tickets.models import Rma
    from tickets.rma.services import headset_rate

    with schema_context("azur"):
        statuses = set(Rma.objects.values_list("status", flat=True))
        assert statuses >= {"approved", "shipped", "delivered", "received", "closed"}
        customer = Customer.objects.get(site_id="AZ-200301")
        rate = headset_rate(customer, Rma.objects.filter(customer=customer).first()
                            .requested_at.year)
        assert rate.chargeable == 2 and rate.percent > rate.threshold_percent
        assert Rma.objects.filter(replacement__isnull=False).exists()
    with schema_context("northwind"):
        assert Rma.objects.filter(status="requested").exists()


def check_demo_reports_have_a_year_of_history_and_a_true_up_waiting():
    from reporting.models import MonthlyReport, TrueUpQuote

    with schema_context("northwind"):
        statuses = set(MonthlyReport.objects.values_list("status", flat=True))
        assert statuses == {"draft", "published"}
        assert all(report.pdf for report in MonthlyReport.objects.filter(status="published"))
        latest = MonthlyReport.objects.filter(customer__site_id="NW-100202").order_by(
            "-month").first()
        trend = latest.figures["trend"]["series"]["headsets"]
        assert len([count for count in trend if count is not None]) == 12
        assert TrueUpQuote.objects.get(status="issued").contract.customer.site_id == \
            "NW-100202"


def check_demo_api_tokens():
    import json

    from django.conf import settings
    from django.test import Client, override_settings

    lines = (settings.BASE_DIR / ".data" / "demo" / "api-tokens.txt").read_text().splitlines()
    tokens = dict((slug, secret) for slug, _email, secret in
                  (line.split("\t") for line in lines))
    assert set(tokens) == {"northwind", "azur"}
    # The demo's administrators have no second factor: `make run` does not require one.
    with override_settings(MFA_REQUIRED=False):
        response = Client(HTTP_HOST="northwind.localhost").get(
            "/api/v1/devices", {"limit": 5},
            HTTP_AUTHORIZATION=f"Bearer {tokens['northwind']}")
    assert response.status_code == 200 and len(json.loads(response.content)["items"]) == 5
    # each partner's token is refused on the other's portal
    refused = Client(HTTP_HOST="azur.localhost").get(
        "/api/v1/devices", HTTP_AUTHORIZATION=f"Bearer {tokens['northwind']}")
    assert refused.status_code == 401


def check_demo_webhook_endpoint():
    from portal.webhooks.models import Endpoint

    with schema_context("northwind"):
        assert Endpoint.objects.get().url.startswith("https://")
    with schema_context("azur"):
        assert not Endpoint.objects.exists()


def check_the_french_partners_demo_is_written_in_french():
    from contracts.models import BaselineVersion
    from reporting.models import CsmHours

    with schema_context("azur"):
        assert Ticket.objects.filter(subject="Toutes les salles hors ligne").exists()
        assert not Ticket.objects.filter(subject="All rooms offline").exists()
        reasons = set(BaselineVersion.objects.values_list("reason", flat=True))
        assert "Référence initiale" in reasons and "Initial baseline" not in reasons
        assert set(BaselineVersion.objects.values_list("author", flat=True)) == {
            "Élise Fournier"}
        assert set(CsmHours.objects.values_list("description", flat=True)) == {
            "Revue de service mensuelle"}
    with schema_context("northwind"):
        assert Ticket.objects.filter(subject="All rooms offline").exists()
        assert "True-up: 28 headsets added" in BaselineVersion.objects.values_list(
            "reason", flat=True)


CHECKS = [
    check_the_french_partners_demo_is_written_in_french,
    check_demo_webhook_endpoint,
    check_every_role,
    check_demo_customers_have_active_contracts_and_one_has_a_renewal_history,
    check_demo_customers_show_a_valid_and_an_expired_authorisation_letter,
    check_demo_tickets_cover_every_state_escalations_and_cloud_incidents,
    check_demo_replacements_cover_every_step_and_one_customer_pays_for_headsets,
    check_demo_reports_have_a_year_of_history_and_a_true_up_waiting,
    check_demo_api_tokens,  # last: its requests leave a portal's schema and language on
]
