from django_tenants.utils import schema_context

from console.models import CsmAssignment


def assign(world, partner, site_id, csm_persona):
    customer = world.customer(partner, site_id)
    client = world["vendor_admin"].client()
    response = client.post(f"/partners/{partner.slug}/customers/{customer.pk}/csm/",
                           {"csm": world[csm_persona].user.pk})
    assert response.status_code == 302
    return customer


def test_vendor_admin_assigns_a_csm_who_then_sees_only_that_customer(world):
    alpha_one = assign(world, world.alpha, "AL-0001", "csm")
    beta_one = assign(world, world.beta, "BE-0001", "csm")
    csm = world["csm"].client()
    rows = csm.get("/customers/").context["rows"]
    assert {(row.partner.slug, row.customer.site_id) for row in rows} == {
        ("alpha", "AL-0001"), ("beta", "BE-0001")}
    page = csm.get(f"/customers/alpha/{alpha_one.pk}/")
    assert page.status_code == 200 and b"Alpha Customer One" in page.content
    assert csm.get(f"/customers/beta/{beta_one.pk}/").status_code == 200
    # AL-0002 is not assigned to this CSM.
    other = world.customer(world.alpha, "AL-0002")
    assert csm.get(f"/customers/alpha/{other.pk}/").status_code == 404
    assert csm.get(f"/customers/alpha/{beta_one.pk + 1000}/").status_code == 404


def test_a_csm_without_assignments_sees_nothing(world):
    assign(world, world.alpha, "AL-0001", "csm")
    with schema_context("public"):
        from portal.users.models import User

        other = User.objects.create_user("csm2@vendor.example", role="csm")
    from tests.personas import Persona

    client = Persona(other, world.vendor).client()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    with schema_context("public"):
        TOTP.activate(other, generate_totp_secret())
    assert client.get("/customers/").context["rows"] == []
    customer = world.customer(world.alpha, "AL-0001")
    assert client.get(f"/customers/alpha/{customer.pk}/").status_code == 404


def test_the_partner_portal_shows_the_assigned_csm(world):
    customer = assign(world, world.alpha, "AL-0001", "csm")
    body = world["alpha_customer1"].client().get(f"/customers/{customer.pk}/").content.decode()
    assert "csm@vendor.example" in body


def test_only_vendor_admins_assign_csms(world):
    customer = world.customer(world.alpha, "AL-0001")
    for persona in ("csm", "support_engineer"):
        response = world[persona].client().post(
            f"/partners/alpha/customers/{customer.pk}/csm/", {"csm": world["csm"].user.pk})
        assert response.status_code == 404
    assert not CsmAssignment.objects.exists()


def test_assigning_a_customer_that_does_not_exist_is_404(world):
    response = world["vendor_admin"].client().post("/partners/alpha/customers/999999/csm/",
                                                   {"csm": world["csm"].user.pk})
    assert response.status_code == 404


def test_only_csms_can_be_assigned(world):
    customer = world.customer(world.alpha, "AL-0001")
    response = world["vendor_admin"].client().post(
        f"/partners/alpha/customers/{customer.pk}/csm/",
        {"csm": world["support_engineer"].user.pk})
    assert response.status_code == 404


def test_partner_customer_list_for_the_vendor_admin(world):
    assign(world, world.alpha, "AL-0001", "csm")
    rows = world["vendor_admin"].client().get("/partners/alpha/customers/").context["rows"]
    assert {row.customer.site_id: (row.csm.email if row.csm else None) for row in rows} == {
        "AL-0001": "csm@vendor.example", "AL-0002": None}


def test_the_assigned_csm_sees_the_customers_change_history(world):
    customer = assign(world, world.alpha, "AL-0001", "csm")
    world["alpha_admin"].client().post(f"/customers/{customer.pk}/edit/", {
        "name": "Alpha Customer One", "site_id": "AL-0001", "city": "Nantes", "country": "FR",
        "time_zone": "Europe/Paris", "language": "fr"})
    response = world["csm"].client().get(f"/customers/alpha/{customer.pk}/")
    assert response.context["history"][0].who == "admin@alpha.example"
    assert "Nantes" in response.content.decode()
