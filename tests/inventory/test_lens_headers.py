"""Columns of a Lens export that no known name maps to a field: listed with a few values
before anything is applied, mapped or ignored by the partner's staff, and remembered for the
partner's later exports; a required field that no column gives is named."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tenants.utils import tenant_context

from inventory.lens import bulk, checking, headers, jobs, reading
from inventory.models import Device, LensHeaderMapping, LensImport

FRENCH = ("Nom de l’appareil;Modèle;Numéro de série;Version du logiciel;Salle;"
          "Dernière détection\n"
          "Bureau 1;HS-1;HS100001;2.1.0;4.12;31/05/2026 09:30\n"
          "Salle du conseil;VID-1;VID100002;1.9.3;Conseil;31/05/2026 10:00\n")
# "Firmware-Stand" is known by no name: a column of a new export.
UNKNOWN = ("Serial Number,Product,Firmware-Stand,Site\n"
           "HS100001,HS-1,2.1.0,Paris\nVID100002,VID-1,1.9.3,Paris\nPH100003,PH-1,2.1.0,Lyon\n")


def import_now(world, text, tenant=None, site_id=None):
    tenant = tenant or world.alpha
    with tenant_context(tenant):
        customer = world.customer(tenant, site_id or ("AL-0001" if tenant == world.alpha
                                                      else "BE-0001"))
        return jobs.import_now(customer, text.encode(), full_export=False)


def firmware(world, tenant=None):
    with tenant_context(tenant or world.alpha):
        return dict(Device.objects.values_list("serial", "firmware_version"))


def test_a_french_export_with_version_du_logiciel_imports_its_firmware(world, catalogue):
    lens_import = import_now(world, FRENCH)
    assert lens_import.status == LensImport.Status.SUCCEEDED, lens_import.errors
    assert firmware(world) == {"HS100001": "2.1.0", "VID100002": "1.9.3"}


@pytest.mark.parametrize("name", ["Firmware Version", "VERSION DU LOGICIEL",
                                  "version-du-logiciel", "Version du  logiciel"])
def test_lens_names_match_whatever_their_case_accents_and_spacing(world, catalogue, name):
    lens_import = import_now(world, f"Serial Number,Model,{name}\nHS100001,HS-1,3.0\n")
    assert lens_import.status == LensImport.Status.SUCCEEDED
    assert firmware(world) == {"HS100001": "3.0"}


def test_an_unknown_column_stops_the_import_before_anything_is_applied(world, catalogue):
    lens_import = import_now(world, UNKNOWN)
    assert lens_import.status == LensImport.Status.NEEDS_MAPPING
    assert lens_import.unknown_headers == [{"header": "Firmware-Stand",
                                            "samples": ["2.1.0", "1.9.3"]}]
    # Serial, model and site are there: the column may hold one of the others.
    assert lens_import.mappable_fields == ["firmware", "room", "mac", "last_detected"]
    assert firmware(world) == {}
    with tenant_context(world.alpha):
        assert not LensHeaderMapping.objects.exists()


def test_mapping_applies_the_values_and_serves_the_partners_next_file(world, catalogue):
    lens_import = import_now(world, UNKNOWN)
    with tenant_context(world.alpha):
        headers.settle(lens_import.pk, {"Firmware-Stand": "firmware"})
        assert LensImport.objects.get(pk=lens_import.pk).status == LensImport.Status.QUEUED
        jobs._update(lens_import, status=LensImport.Status.RUNNING)
        jobs.process_import(lens_import)
        assert lens_import.status == LensImport.Status.SUCCEEDED, lens_import.errors
    assert firmware(world) == {"HS100001": "2.1.0", "VID100002": "1.9.3",
                               "PH100003": "2.1.0"}

    later = import_now(world, UNKNOWN.replace("2.1.0", "2.2.0").replace(
        "Firmware-Stand", "firmware-stand"))
    assert later.status == LensImport.Status.SUCCEEDED  # asked once, remembered
    assert firmware(world)["HS100001"] == "2.2.0"

    # Another partner has its own names: its file with the same column stops.
    theirs = import_now(world, UNKNOWN, tenant=world.beta)
    assert theirs.status == LensImport.Status.NEEDS_MAPPING
    assert "HS100001" not in firmware(world, world.beta)


def test_an_ignored_column_is_applied_without_it(world, catalogue):
    lens_import = import_now(world, UNKNOWN)
    with tenant_context(world.alpha):
        headers.settle(lens_import.pk, {"Firmware-Stand": ""})
        jobs._update(lens_import, status=LensImport.Status.RUNNING)
        jobs.process_import(lens_import)
        assert lens_import.status == LensImport.Status.SUCCEEDED
        assert LensHeaderMapping.objects.get().ignored
    assert firmware(world) == {"HS100001": "", "VID100002": "", "PH100003": ""}
    assert import_now(world, UNKNOWN).status == LensImport.Status.SUCCEEDED


@pytest.mark.parametrize("decisions,error", [
    ({}, "Firmware-Stand"),
    ({"Firmware-Stand": "serial"}, "Firmware-Stand"),  # the file has its serials already
    ({"Firmware-Stand": "firmware", "Other": ""}, "Other"),
])
def test_every_column_is_decided_and_only_to_a_field_the_file_lacks(world, catalogue,
                                                                     decisions, error):
    from django.core.exceptions import ValidationError

    lens_import = import_now(world, UNKNOWN)
    with tenant_context(world.alpha), pytest.raises(ValidationError) as raised:
        headers.settle(lens_import.pk, decisions)
    assert error in raised.value.message_dict
    with tenant_context(world.alpha):
        assert not LensHeaderMapping.objects.exists()
        assert LensImport.objects.get(pk=lens_import.pk).status == "needs_mapping"


def test_both_ways_of_reading_a_file_map_by_the_partners_names(world, catalogue):
    with tenant_context(world.alpha):
        LensHeaderMapping.objects.create(key="firmware_stand", header="Firmware-Stand",
                                         field="firmware")
        aliases = headers.aliases(headers.remembered())
        customer = world.customer(world.alpha, "AL-0001")
        # The database path (a clean file)...
        result = bulk.import_file(customer, UNKNOWN.encode(), full_export=False,
                                  aliases=aliases)
        assert result is not None and result.created == 3
        # ... and the row-by-row one (a value to trim sends a file there).
        data = UNKNOWN.replace("1.9.3", " 1.9.4 ").encode()
        assert bulk.import_file(customer, data, full_export=False, aliases=aliases) is None
        header, columns, body, errors = reading.read_lens_file(data, aliases=aliases)
        rows, errors = checking.validate_lens_rows(customer, header, columns, body)
        assert errors == []
        assert {row[0]: row[5] for row in rows} == {"HS100001": "2.1.0",
                                                    "VID100002": "1.9.4",
                                                    "PH100003": "2.1.0"}
    assert firmware(world)["VID100002"] == "1.9.3"


def test_a_missing_required_field_is_named_in_the_readers_language(world, catalogue):
    text = "Numéro de série;Site\nHS100001;Paris\n"
    for language, start in (("en", "The file has no “Product model” column"),
                            ("fr", "Le fichier n’a pas de colonne « Modèle de produit »")):
        with translation.override(language):
            lens_import = import_now(world, text)
        assert lens_import.status == LensImport.Status.FAILED
        [error] = lens_import.errors
        assert error["message"].startswith(start), error
        assert "“Product”" in error["message"] or "« Product »" in error["message"]


# --- The import page ------------------------------------------------------------------------


def upload(client, world, text):
    customer = world.customer(world.alpha, "AL-0001")
    return client.post("/devices/imports/new/", {
        "customer": customer.pk,
        "file": SimpleUploadedFile("lens.csv", text.encode(), content_type="text/csv")})


def test_the_page_lists_each_unknown_column_and_applies_once_mapped(
        world, catalogue, django_capture_on_commit_callbacks):
    client = world["alpha_agent"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, world, UNKNOWN)
    url = response["Location"]
    page = client.get(url)
    body = page.content.decode()
    assert "Nothing is imported yet." in body and "hx-get" not in body
    assert "<code>Firmware-Stand</code>" in body and "<code>1.9.3</code>" in body
    options = page.context["mapping_form"].fields["column_0"].choices
    assert [value for value, _label in options] == ["", "-", "firmware", "room", "mac",
                                                     "last_detected"]
    assert firmware(world) == {}

    # No choice made: asked again, nothing applied.
    response = client.post(url + "mapping/", {"column_0": ""})
    assert response.status_code == 200 and firmware(world) == {}
    assert "Map this column to a field or ignore it." in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "mapping/", {"column_0": "firmware"})
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(url).context["lens_import"].status == LensImport.Status.SUCCEEDED
    assert firmware(world)["VID100002"] == "1.9.3"


def test_the_page_ignores_a_column_when_told(world, catalogue,
                                             django_capture_on_commit_callbacks):
    client = world["alpha_admin"].client()
    with django_capture_on_commit_callbacks(execute=True):
        url = upload(client, world, UNKNOWN)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "mapping/", {"column_0": "-"})
    assert client.get(url).context["lens_import"].status == LensImport.Status.SUCCEEDED
    assert firmware(world) == {"HS100001": "", "VID100002": "", "PH100003": ""}


def test_the_partner_admin_edits_and_forgets_the_remembered_names(world, catalogue):
    with tenant_context(world.alpha):
        mapping = LensHeaderMapping.objects.create(key="firmware_stand",
                                                   header="Firmware-Stand", field="")
    client = world["alpha_admin"].client()
    assert 'href="/devices/imports/columns/"' in client.get("/devices/imports/").content.decode()
    body = client.get("/devices/imports/columns/").content.decode()
    assert "Firmware-Stand" in body and "Nothing: ignored" in body
    response = client.post(f"/devices/imports/columns/{mapping.pk}/", {"field": "firmware"})
    assert response.status_code == 302
    assert "Firmware version" in client.get("/devices/imports/columns/").content.decode()
    assert import_now(world, UNKNOWN).status == LensImport.Status.SUCCEEDED
    assert firmware(world)["HS100001"] == "2.1.0"

    client.post(f"/devices/imports/columns/{mapping.pk}/delete/")
    with tenant_context(world.alpha):
        assert not LensHeaderMapping.objects.exists()
    assert import_now(world, UNKNOWN).status == LensImport.Status.NEEDS_MAPPING


def test_other_partners_and_customer_users_get_404(world, catalogue):
    lens_import = import_now(world, UNKNOWN)
    with tenant_context(world.alpha):
        mapping = LensHeaderMapping.objects.create(key="alpha_only", header="Alpha-Only",
                                                   field="")
    theirs = world["beta_admin"].client()
    customer_user = world["alpha_customer1"].client()
    agent = world["alpha_agent"].client()
    for client in (theirs, customer_user):
        assert client.post(f"/devices/imports/{lens_import.pk}/mapping/",
                           {"column_0": "firmware"}).status_code == 404
    # Beta's administrator has Beta's own names only.
    assert "Alpha-Only" not in theirs.get("/devices/imports/columns/").content.decode()
    for client in (customer_user, agent):  # the names are the administrator's
        assert client.get("/devices/imports/columns/").status_code == 404
    for client in (theirs, customer_user, agent):
        assert client.get(f"/devices/imports/columns/{mapping.pk}/").status_code == 404
        assert client.post(f"/devices/imports/columns/{mapping.pk}/delete/").status_code == 404
    assert firmware(world) == {}
    with tenant_context(world.alpha):
        assert LensHeaderMapping.objects.count() == 1
        assert LensImport.objects.get(pk=lens_import.pk).status == "needs_mapping"


def test_a_csm_sees_the_unknown_columns_without_the_form(world, catalogue):
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                         upload=ContentFile(UNKNOWN.encode()),
                                         filename="lens.csv")
        LensImport.objects.filter(pk=lens_import.pk).update(
            status=LensImport.Status.NEEDS_MAPPING,
            unknown_headers=[{"header": "Firmware-Stand", "samples": ["2.1.0"]}],
            mappable_fields=["firmware"])
    from django.template.loader import render_to_string

    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
        body = render_to_string("inventory/partials/lens_import_progress.html",
                                {"lens_import": lens_import})
    assert "Firmware-Stand" in body and "<form" not in body


def test_the_columns_are_reviewed_on_the_start_of_the_file(monkeypatch):
    monkeypatch.setattr(headers, "HEAD_CHARS", 80)  # the header, a row and a half
    text = 'Serial Number,Product,Extra\nHS100001,HS-1,"a\nvalue over\nlines"\n' * 3
    unknown, mappable = headers.review_header(text.encode(), {})
    assert unknown == [{"header": "Extra", "samples": ["a\nvalue over\nlines"]}]
    assert "firmware" in mappable and "serial" not in mappable
    assert headers.review_header(text.encode(), {"extra": ""}) == ([], [])
    assert headers.review_header(b"\xff\xfe\x00S", {}) == ([], [])  # the import says why
