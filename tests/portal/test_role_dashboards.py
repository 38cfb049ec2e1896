"""The programme's numbers on the dashboards of a customer user and a partner
administrator, and their cost: a fixed number of queries whatever the rows."""

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from contracts.models import Contract
from inventory.models import LensImport
from reporting import services as report_services
from reporting.models import MonthlyReport
from tests.reporting.conftest import OCTOBER, contract_for, snapshot


def test_the_customer_sees_coverage_allowance_report_and_open_tickets(world):
    response = world["alpha_customer1"].client().get("/")
    context, body = response.context, response.content.decode()
    assert context["devices_covered"] + context["devices_not_covered"] >= 0
    assert context["headsets"].year == date.today().year
    assert context["latest_report"] is None
    assert "/tickets/?status=open" in body  # see all
    assert "Devices covered" in body and "Free headset replacements used" in body


def test_the_customer_sees_only_their_own_latest_published_report(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        if not customer.contracts.exists():
            contract_for(customer)
        snapshot(customer, date(2026, 10, 20), headsets=100, video=10)
        report = report_services.generate_report(customer, OCTOBER)
        MonthlyReport.objects.filter(pk=report.pk).update(status="published")
    assert world["alpha_customer1"].client().get("/").context["latest_report"].pk == report.pk
    assert world["alpha_customer2"].client().get("/").context["latest_report"] is None


def test_the_partner_admin_sees_ending_contracts_true_ups_and_old_imports(world):
    from contracts.models import Customer
    from tests.factories import ContractFactory

    today = timezone.localdate()
    with tenant_context(world.alpha):
        customer = Customer.objects.create(name="Ending soon", site_id="END-1")
        ContractFactory(customer=customer, start=today - timedelta(days=300),
                        end=today + timedelta(days=30))
        assert not LensImport.objects.filter(customer=customer).exists()
        assert Contract.objects.filter(customer=customer, status="active").exists()
    context = world["alpha_admin"].client().get("/").context
    assert customer.pk in [c.customer_id for c in context["contracts_ending"].rows]
    assert customer.pk in [c.pk for c in context["stale_lens_imports"].rows]
    beta = world["beta_admin"].client().get("/").context
    assert customer.name not in [c.customer.name for c in beta["contracts_ending"].rows]


def test_the_dashboards_cost_the_same_with_more_rows(world, query_count_baseline):
    from contracts.models import Customer
    from tests.factories import ContractFactory

    admin, customer_user = world["alpha_admin"].client(), world["alpha_customer1"].client()
    with tenant_context(world.alpha):
        own = world.customer(world.alpha, "AL-0001")
        if not own.contracts.exists():
            contract_for(own)
    admin.get("/")
    customer_user.get("/")

    def measure():
        with query_count_baseline("partner admin") as admin_queries:
            assert admin.get("/").status_code == 200
        with query_count_baseline("customer user") as customer_queries:
            assert customer_user.get("/").status_code == 200
        return admin_queries.count, customer_queries.count

    before = measure()
    today = timezone.localdate()
    with tenant_context(world.alpha):
        for index in range(12):
            customer = Customer.objects.create(name=f"Ending {index}", site_id=f"END-{index}")
            ContractFactory(customer=customer, start=today - timedelta(days=300),
                            end=today + timedelta(days=20 + index))
            snapshot(customer, date(2026, 10, 20), headsets=12, video=0)
            report_services.generate_report(customer, OCTOBER)
        for month in (8, 9):
            snapshot(own, date(2026, month, 20), headsets=10, video=0)
            report = report_services.generate_report(own, date(2026, month, 1))
            MonthlyReport.objects.filter(pk=report.pk).update(status="published")
    after = measure()
    assert after == before
    assert admin.get("/").context["contracts_ending"].count >= 12
