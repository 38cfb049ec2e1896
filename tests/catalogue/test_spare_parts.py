from decimal import Decimal

from portal.catalogue.models import ProductModel, SparePart


def make_part(part_number, description, *skus):
    part = SparePart.objects.create(part_number=part_number, description=description)
    part.compatible_models.set(ProductModel.objects.filter(sku__in=skus))
    return part


def test_the_list_searches_part_numbers_descriptions_and_models(world):
    ProductModel.objects.create(sku="CCX-400", name="CCX 400", family="CCX", category="voice",
                                list_price=Decimal("249.00"))
    make_part("SP-EC-1", "Ear cushions (pair)", "VOY-TEST")
    make_part("SP-HS-1", "Corded handset", "CCX-400")
    make_part("SP-PSU-1", "Power supply 48 V", "CCX-400", "VOY-TEST")
    client = world["csm"].client()

    def numbers(q):
        response = client.get("/catalogue/parts/", {"q": q})
        assert response.status_code == 200
        return [part.part_number for part in response.context["parts"]]

    assert numbers("") == ["SP-EC-1", "SP-HS-1", "SP-PSU-1"]
    assert numbers("sp-hs") == ["SP-HS-1"]
    assert numbers("cushion") == ["SP-EC-1"]
    assert numbers("ccx-400") == ["SP-HS-1", "SP-PSU-1"]  # once each, though two models
    assert numbers("voyager") == ["SP-EC-1", "SP-PSU-1"]


def test_the_list_exports_csv(world):
    make_part("SP-PSU-1", "Power supply, 48 V", "VOY-TEST")
    response = world["support_engineer"].client().get("/catalogue/parts/",
                                                      {"q": "psu", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines == ["part_number,description,compatible_models",
                     'SP-PSU-1,"Power supply, 48 V",VOY-TEST']


def test_the_vendor_admin_adds_and_edits_a_part(world):
    client = world["vendor_admin"].client()
    voyager = ProductModel.objects.get(sku="VOY-TEST")
    other = ProductModel.objects.create(sku="CCX-400", name="CCX 400", family="CCX",
                                        category="voice", list_price=Decimal("249.00"))
    assert client.get("/catalogue/parts/new/").status_code == 200
    response = client.post("/catalogue/parts/new/", {
        "part_number": " sp-bat-1 ", "description": "Battery",
        "compatible_models": [voyager.pk, other.pk]})
    assert response.status_code == 302
    part = SparePart.objects.get(part_number="SP-BAT-1")
    assert set(part.compatible_models.all()) == {voyager, other}

    assert client.get(f"/catalogue/parts/{part.pk}/").status_code == 200
    response = client.post(f"/catalogue/parts/{part.pk}/", {
        "part_number": "SP-BAT-1", "description": "Battery, extended",
        "compatible_models": [other.pk]})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.description == "Battery, extended"
    assert list(part.compatible_models.all()) == [other]


def test_a_part_needs_a_unique_number_and_a_compatible_model(world):
    make_part("SP-BAT-1", "Battery", "VOY-TEST")
    response = world["vendor_admin"].client().post("/catalogue/parts/new/", {
        "part_number": "sp-bat-1", "description": "Battery again"})
    assert set(response.context["form"].errors) == {"part_number", "compatible_models"}


def test_csms_and_engineers_read_parts_but_do_not_edit_them(world):
    part = make_part("SP-BAT-1", "Battery", "VOY-TEST")
    for persona in ("csm", "support_engineer"):
        client = world[persona].client()
        body = client.get("/catalogue/parts/").content.decode()
        assert "SP-BAT-1" in body and f"/catalogue/parts/{part.pk}/" not in body
        assert client.get("/catalogue/parts/new/").status_code == 404
        assert client.get(f"/catalogue/parts/{part.pk}/").status_code == 404
        assert client.post(f"/catalogue/parts/{part.pk}/", {
            "part_number": "X", "description": "X"}).status_code == 404
    part.refresh_from_db()
    assert part.part_number == "SP-BAT-1"
    assert world["alpha_admin"].client().get("/catalogue/parts/").status_code == 404


def test_the_product_page_lists_its_compatible_parts(world):
    make_part("SP-BAT-1", "Battery for the test model", "VOY-TEST")
    product = ProductModel.objects.get(sku="VOY-TEST")
    body = world["csm"].client().get(f"/catalogue/models/{product.pk}/").content.decode()
    assert "Battery for the test model" in body


def test_part_list_queries_do_not_grow_with_rows(world, query_count_baseline):
    client = world["vendor_admin"].client()
    make_part("SP-FIRST", "First", "VOY-TEST")
    client.get("/catalogue/parts/")

    def count():
        with query_count_baseline("spare parts") as queries:
            response = client.get("/catalogue/parts/")
        assert response.status_code == 200
        return queries.count

    before = count()
    models = ProductModel.objects.bulk_create([
        ProductModel(sku=f"BULK-{i}", name=f"Bulk {i}", family="Bulk", category="voice",
                     list_price=Decimal("1.00")) for i in range(5)])
    parts = SparePart.objects.bulk_create([
        SparePart(part_number=f"SP-BULK-{i}", description=f"Bulk part {i}") for i in range(30)])
    for part in parts:
        part.compatible_models.set(models[:3])
    assert count() == before
