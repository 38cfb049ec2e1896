from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.catalogue.imports import parse_catalogue_csv
from portal.catalogue.models import ProductModel

HEADER = ("sku,name,family,category,quote_only_line,end_of_life,end_of_service,list_price,"
          "currency,current_firmware\n")


def csv_file(text, encoding="utf-8", name="catalogue.csv"):
    content = text if isinstance(text, bytes) else text.encode(encoding)
    return SimpleUploadedFile(name, content, content_type="text/csv")


def post_import(client, text, encoding="utf-8", **kwargs):
    return client.post("/catalogue/import/", {"file": csv_file(text, encoding)}, **kwargs)


def errors_of(response):
    return [(error.line, error.column) for error in response.context["errors"]]


def test_the_import_creates_and_updates_by_sku(world):
    client = world["vendor_admin"].client()
    assert client.get("/catalogue/import/").status_code == 200
    response = post_import(client, HEADER
                           + "voy-test,Voyager Test,Voyager,headsets,,,,120.00,EUR,4.0\n"
                           + "CCX-700,CCX 700,CCX,voice,,2030-06-30,2032-06-30,549.00,EUR,9.1\n",
                           follow=True)
    assert response.redirect_chain[-1][0] == "/catalogue/"
    body = response.content.decode()
    assert "created: 1; updated: 1; unchanged: 0" in body
    assert ProductModel.objects.get(sku="VOY-TEST").list_price == Decimal("120.00")
    created = ProductModel.objects.get(sku="CCX-700")
    assert created.end_of_life == date(2030, 6, 30)
    assert created.end_of_service == date(2032, 6, 30)
    assert created.current_firmware == "9.1"


def test_columns_left_out_keep_the_current_values(world):
    ProductModel.objects.filter(sku="VOY-TEST").update(current_firmware="4.2.1",
                                                       currency="USD")
    response = post_import(world["vendor_admin"].client(),
                           "Price,SKU,Name,Family,Category\n"
                           "99,VOY-TEST,Voyager Test,Voyager,headsets\n")
    assert response.status_code == 302
    product = ProductModel.objects.get(sku="VOY-TEST")
    assert (product.list_price, product.current_firmware, product.currency) == (
        Decimal("99"), "4.2.1", "USD")


def test_one_bad_row_and_nothing_is_applied_every_error_is_listed(world):
    response = post_import(world["vendor_admin"].client(), HEADER
                           + "NEW-1,Good one,CCX,voice,,,,10.00,EUR,\n"
                           + "NEW-2,Bad category,CCX,phones,,,,10.00,EUR,\n"
                           + "VOY-TEST,Voyager Test,Voyager,headsets,,31-12-2030,,10,EUR,\n"
                           + "NEW-3,,CCX,voice,gold,,,ten,EUR,\n"
                           + "NEW-4,Backwards,CCX,voice,,2030-12-31,2029-01-01,1,EURO,\n")
    assert response.status_code == 200
    assert errors_of(response) == [
        (3, "category"), (4, "end_of_life"),
        (5, "name"), (5, "quote_only_line"), (5, "list_price"),
        (6, "end_of_service"), (6, "currency"),
    ]
    assert not ProductModel.objects.filter(sku__startswith="NEW-").exists()
    assert ProductModel.objects.get(sku="VOY-TEST").list_price == Decimal("100.00")
    body = response.content.decode()
    assert "Nothing was imported" in body and "Enter a date as YYYY-MM-DD or DD/MM/YYYY." in body


def test_errors_found_by_the_product_form_name_their_line_and_column(world):
    response = post_import(world["vendor_admin"].client(), HEADER
                           + "NEW-1,,CCX,voice,,,,10.00,EUR,\n"
                           + "NEW-2,Backwards,CCX,voice,,2030-12-31,2029-01-01,-1,EUR,\n")
    assert errors_of(response) == [(2, "name"), (3, "end_of_service"), (3, "list_price")]
    assert not ProductModel.objects.filter(sku__startswith="NEW-").exists()


def test_a_utf8_file_with_a_byte_order_mark_and_semicolons(world):
    text = ("\ufeffSKU;Product name;Family;Category;Line;EOL;EOS;Price;Currency;Firmware\n"
            "TRIO-NEW;Trio « Salle » C60;Trio;voice;;31/12/2030;;1 299,50;EUR;8.2.0\n")
    response = post_import(world["vendor_admin"].client(), text, encoding="utf-8")
    assert response.status_code == 302
    product = ProductModel.objects.get(sku="TRIO-NEW")
    assert product.name == "Trio « Salle » C60"
    assert product.end_of_life == date(2030, 12, 31)
    assert product.list_price == Decimal("1299.50")


def test_a_windows_1252_file_with_semicolons(world):
    text = ("sku;name;family;category;quote_only_line;list_price\n"
            "TELE-1;Télé Santé;Vertical solutions;VIDEO;Telehealth;12900,00\n")
    response = post_import(world["vendor_admin"].client(), text, encoding="cp1252")
    assert response.status_code == 302
    product = ProductModel.objects.get(sku="TELE-1")
    assert product.name == "Télé Santé"
    assert (product.category, product.quote_only_line) == ("video", "telehealth")
    assert product.list_price == Decimal("12900.00")


def test_a_sku_twice_in_the_file_is_an_error(world):
    response = post_import(world["vendor_admin"].client(), HEADER
                           + "ccx-700,CCX 700,CCX,voice,,,,549.00,EUR,\n"
                           + "CCX-700,CCX 700 bis,CCX,voice,,,,549.00,EUR,\n")
    assert errors_of(response) == [(3, "sku")]
    assert "already appears on line 2" in response.context["errors"][0].message
    assert not ProductModel.objects.filter(sku="CCX-700").exists()


def test_an_unknown_or_missing_column_is_reported_on_the_header(world):
    response = post_import(world["vendor_admin"].client(),
                           "sku,name,family,category,lst_price\nA,B,C,voice,1\n")
    assert errors_of(response) == [(1, "lst_price"), (1, "list_price")]


def test_a_file_over_the_limit_is_refused(world, settings):
    settings.CATALOGUE_IMPORT_MAX_BYTES = 100
    response = post_import(world["vendor_admin"].client(),
                           HEADER + "CCX-700,CCX 700,CCX,voice,,,,549.00,EUR,\n" * 5)
    assert errors_of(response) == [(None, "")]
    assert "the limit is 100" in response.content.decode()
    assert not ProductModel.objects.filter(sku="CCX-700").exists()


def test_a_file_that_is_not_text_is_refused(world):
    rows, errors = parse_catalogue_csv(csv_file(b"\x81\x8d\x8f\x90\x9d binary"))
    assert rows == [] and len(errors) == 1 and errors[0].line is None


def test_the_export_imports_back_as_is(world):
    ProductModel.objects.create(sku="ITP-1", name="Immersive, room", family="ITP",
                                category="video", quote_only_line="itp",
                                end_of_life=date(2030, 1, 31), end_of_service=date(2033, 1, 31),
                                list_price=Decimal("0.00"), currency="USD",
                                current_firmware="6.2.0")
    client = world["vendor_admin"].client()
    exported = client.get("/catalogue/", {"format": "csv"}).content
    before = {p.sku: p for p in ProductModel.objects.all()}
    ProductModel.objects.filter(sku="ITP-1").update(name="Changed", quote_only_line="",
                                                    end_of_life=None)

    response = client.post("/catalogue/import/", {"file": csv_file(exported)}, follow=True)
    assert f"created: 0; updated: 1; unchanged: {len(before) - 1}." in (
        response.content.decode())
    restored = ProductModel.objects.get(sku="ITP-1")
    assert (restored.name, restored.quote_only_line, restored.end_of_life,
            restored.list_price) == ("Immersive, room", "itp", date(2030, 1, 31),
                                     Decimal("0.00"))


def test_only_the_vendor_admin_imports(world):
    for persona in ("csm", "support_engineer"):
        client = world[persona].client()
        assert client.get("/catalogue/import/").status_code == 404
        response = post_import(client, HEADER + "CCX-700,CCX 700,CCX,voice,,,,549.00,EUR,\n")
        assert response.status_code == 404
    assert not ProductModel.objects.filter(sku="CCX-700").exists()
    assert world["alpha_admin"].client().get("/catalogue/import/").status_code == 404


def test_the_catalogue_links_to_the_new_pages(world):
    product = ProductModel.objects.get(sku="VOY-TEST")
    admin_body = world["vendor_admin"].client().get("/catalogue/").content.decode()
    assert 'href="/catalogue/import/"' in admin_body
    assert 'href="/catalogue/parts/"' in admin_body
    assert f'href="/catalogue/models/{product.pk}/"' in admin_body
    csm_body = world["csm"].client().get("/catalogue/").content.decode()
    assert 'href="/catalogue/import/"' not in csm_body
    assert 'href="/catalogue/parts/"' in csm_body
