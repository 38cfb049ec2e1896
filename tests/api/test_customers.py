"""The partner's customers in the API: partner staff list them with the customer list's
filters; a customer user reads their own customer only, as on the pages."""

from django.utils import timezone
from django_tenants.utils import tenant_context

from contracts.models import Customer


def test_partner_staff_list_their_customers_by_site_id(world, api):
    response = api("alpha_agent").get("/api/v1/customers")
    assert response.status_code == 200
    site_ids = [item["site_id"] for item in response.json()["items"]]
    assert {"AL-0001", "AL-0002"} <= set(site_ids) and site_ids == sorted(site_ids)
    assert not any(site_id.startswith("BE-") for site_id in site_ids)


def test_the_list_filters_as_the_page_does(world, api):
    with tenant_context(world.alpha):
        Customer.objects.create(name="Lyon Office", site_id="AL-LYON", city="Lyon",
                                country="BE")
    client = api("alpha_admin")
    found = client.get("/api/v1/customers", {"q": "lyon"}).json()["items"]
    assert [item["site_id"] for item in found] == ["AL-LYON"]
    belgian = client.get("/api/v1/customers", {"country": "be"}).json()["items"]
    assert [item["site_id"] for item in belgian] == ["AL-LYON"]
    assert client.get("/api/v1/customers", {"country": "ZZ"}).status_code == 422


def test_a_customer_user_reads_their_own_customer_only(world, api):
    client = api("alpha_customer1")
    own = world["alpha_customer1"].user.customer
    assert client.get("/api/v1/customers").status_code == 404
    response = client.get(f"/api/v1/customers/{own.pk}")
    assert response.status_code == 200 and response.json()["site_id"] == own.site_id
    other = world.customer(world.alpha, "AL-0002")
    assert other.pk != own.pk
    assert client.get(f"/api/v1/customers/{other.pk}").status_code == 404


def test_another_partners_customer_is_not_found(world, api):
    alpha_customer = world.customer(world.alpha, "AL-0002")
    with tenant_context(world.beta):
        beta_ids = set(Customer.objects.values_list("pk", flat=True))
    missing = max(beta_ids | {alpha_customer.pk}) + 1
    client = api("beta_admin")
    assert client.get(f"/api/v1/customers/{missing}").status_code == 404
    listed = client.get("/api/v1/customers", {"limit": 200}).json()["items"]
    assert "AL-0002" not in {item["site_id"] for item in listed}
    # Alpha's token on Beta's portal is no token there.
    assert api("alpha_admin", host=world.beta.primary_domain).get(
        "/api/v1/customers").status_code == 401


def test_a_renamed_customer_comes_in_the_next_sync_with_a_new_etag(world, api):
    client = api("alpha_agent")
    customer = world.customer(world.alpha, "AL-0001")
    path = f"/api/v1/customers/{customer.pk}"
    etag = client.get(path)["ETag"]
    since = timezone.now()
    with tenant_context(world.alpha):
        customer.name = "Alpha Customer One (renamed)"
        customer.save()
    synced = client.get("/api/v1/customers", {"updated_since": since.isoformat()}).json()
    assert [item["id"] for item in synced["items"]] == [customer.pk]
    response = client.get(path, **{"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    assert client.get(path, **{"If-None-Match": response["ETag"]}).status_code == 304
