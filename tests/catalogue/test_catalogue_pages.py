from decimal import Decimal

from django.test import Client

from portal.catalogue.models import ProductModel


def product_form(**overrides):
    data = {"sku": "ccx-700", "name": "CCX 700", "family": "CCX", "category": "voice",
            "quote_only_line": "", "end_of_life": "", "end_of_service": "",
            "list_price": "549.00", "currency": "EUR", "current_firmware": "9.1.2"}
    data.update(overrides)
    return data


def test_vendor_admin_adds_a_product_model(world):
    response = world["vendor_admin"].client().post("/catalogue/new/", product_form())
    assert response.status_code == 302
    product = ProductModel.objects.get(sku="CCX-700")
    assert product.list_price == Decimal("549.00")


def test_end_of_service_before_end_of_life_is_refused(world):
    response = world["vendor_admin"].client().post("/catalogue/new/", product_form(
        end_of_life="2027-01-31", end_of_service="2026-12-31"))
    assert "end_of_service" in response.context["form"].errors
    assert not ProductModel.objects.filter(sku="CCX-700").exists()


def test_a_duplicate_sku_is_refused(world):
    response = world["vendor_admin"].client().post("/catalogue/new/",
                                                   product_form(sku="voy-test"))
    assert "sku" in response.context["form"].errors


def test_csms_read_the_catalogue_but_do_not_edit_it(world):
    client = world["csm"].client()
    assert client.get("/catalogue/").status_code == 200
    assert client.post("/catalogue/new/", product_form()).status_code == 404
    assert not ProductModel.objects.filter(sku="CCX-700").exists()


def test_search_and_filters(world):
    ProductModel.objects.create(sku="ITP-1", name="Immersive room", family="ITP",
                                category="video", quote_only_line="itp",
                                list_price=Decimal("1000.00"))
    ProductModel.objects.create(sku="OLD-1", name="Old phone", family="VVX", category="voice",
                                end_of_life="2020-01-31", list_price=Decimal("10.00"))
    client = world["vendor_admin"].client()

    def skus(**params):
        return {p.sku for p, _ in client.get("/catalogue/", params).context["rows"]}

    assert skus(q="immersive") == {"ITP-1"}
    assert skus(line="itp") == {"ITP-1"}
    assert "ITP-1" not in skus(line="standard")
    assert skus(lifecycle="end_of_life") == {"OLD-1"}
    assert "OLD-1" not in skus(lifecycle="supported")
    assert skus(category="voice") == {"OLD-1"}


def test_csv_export_follows_the_filters(world):
    response = world["vendor_admin"].client().get("/catalogue/", {"q": "VOY-TEST",
                                                                  "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("sku,name,family,category")
    assert len(lines) == 2 and lines[1].startswith("VOY-TEST,")


def test_partner_portals_do_not_serve_the_catalogue_console(world):
    assert world["alpha_admin"].client().get("/catalogue/").status_code == 404
    assert Client(HTTP_HOST="alpha.localhost").get("/catalogue/new/").status_code == 404


def test_catalogue_list_queries_do_not_grow_with_rows(world, query_count_baseline):
    client = world["vendor_admin"].client()
    client.get("/catalogue/")

    def count():
        with query_count_baseline("catalogue") as queries:
            client.get("/catalogue/")
        return queries.count

    before = count()
    ProductModel.objects.bulk_create([
        ProductModel(sku=f"BULK-{i}", name=f"Bulk {i}", family="Bulk", category="voice",
                     list_price=Decimal("1.00")) for i in range(30)])
    assert count() == before
