from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.models import Device
from portal.catalogue.models import Document, ProductModel, SoftwareRelease, SparePart
from tests.factories import ContractFactory, DeviceFactory

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


@pytest.fixture
def library(db):
    headset = ProductModel.objects.create(sku="VOY-LIB", name="Voyager Lib", family="Voyager",
                                          category="headsets", list_price=Decimal("1"),
                                          current_firmware="3.0")
    itp = ProductModel.objects.create(sku="ITP-LIB", name="ITP Lib", family="ITP",
                                      category="headsets", quote_only_line="itp",
                                      list_price=Decimal("1"))
    video = ProductModel.objects.create(sku="VID-LIB", name="Video Lib", family="Studio",
                                        category="video", list_price=Decimal("1"))
    docs = {}
    for product in (headset, itp, video):
        docs[product.sku] = Document.objects.create(
            product_model=product, title=f"{product.name} guide", kind="user_guide",
            language="en", file=ContentFile(b"guide of " + product.sku.encode(), name="g.pdf"),
            original_filename="guide.pdf", size=12)
    release = SoftwareRelease.objects.create(
        product_model=headset, version="3.0", release_date=date(2026, 3, 1),
        release_notes="Fixes", checksum_sha256="0" * 64,
        file=ContentFile(b"firmware", name="fw.bin"), original_filename="fw.bin", size=8)
    part = SparePart.objects.create(part_number="EC-100", description="Ear cushions")
    part.compatible_models.add(headset)
    return {"headset": headset, "itp": itp, "video": video, "docs": docs, "release": release}


def contract_for(world, site_id, categories):
    with tenant_context(world.alpha):
        ContractFactory(customer=world.customer(world.alpha, site_id),
                        start=date(2026, 1, 1), end=date(2026, 12, 31),
                        lines={category: (1, 0, Decimal("1")) for category in categories})


def test_a_covered_customer_lists_and_downloads_its_models_files(world, library):
    contract_for(world, "AL-0001", ["headsets"])
    client = world["alpha_customer1"].client()
    listed = [p.sku for p in client.get("/lookup/downloads/").context["products"]]
    assert listed == ["VOY-LIB"]  # not the quote-only line, not video
    document = library["docs"]["VOY-LIB"]
    response = client.get(f"/lookup/downloads/document/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"guide of VOY-LIB"
    assert "attachment" in response["Content-Disposition"]
    assert client.get(f"/lookup/downloads/release/{library['release'].pk}/").status_code == 200
    page = client.get("/lookup/downloads/").content.decode()
    assert document.file.name not in page


def test_uncovered_models_and_customers_get_404(world, library):
    contract_for(world, "AL-0001", ["headsets"])
    covered = world["alpha_customer1"].client()
    assert covered.get(
        f"/lookup/downloads/document/{library['docs']['ITP-LIB'].pk}/").status_code == 404
    assert covered.get(
        f"/lookup/downloads/document/{library['docs']['VID-LIB'].pk}/").status_code == 404
    # Alpha's second customer has no contract; Beta's first has none either (and Beta's
    # contracts never entitle Alpha's users).
    for persona in ("alpha_customer2", "beta_customer1"):
        client = world[persona].client()
        assert client.get(
            f"/lookup/downloads/document/{library['docs']['VOY-LIB'].pk}/").status_code == 404
        assert client.get("/lookup/downloads/").context["products"] == []
    assert covered.get("/lookup/downloads/document/999999/").status_code == 404
    assert covered.get("/lookup/downloads/secret/1/").status_code == 404


def test_partner_staff_download_for_any_covered_customer(world, library):
    contract_for(world, "AL-0002", ["video"])
    response = world["alpha_agent"].client().get(
        f"/lookup/downloads/document/{library['docs']['VID-LIB'].pk}/")
    assert response.status_code == 200


def test_an_ended_contract_no_longer_entitles(world, library, monkeypatch):
    contract_for(world, "AL-0001", ["headsets"])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 1))
    response = world["alpha_customer1"].client().get(
        f"/lookup/downloads/document/{library['docs']['VOY-LIB'].pk}/")
    assert response.status_code == 404


def test_spare_parts_lookup_by_model_or_part_number(world, library):
    client = world["alpha_customer1"].client()
    for query in ("voy-lib", "EC-100", "cushion"):
        parts = client.get("/lookup/parts/", {"q": query}).context["parts"]
        assert [p.part_number for p in parts] == ["EC-100"], query


def test_firmware_compliance_counts_outdated_devices_per_model(world, library):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        other = world.customer(world.alpha, "AL-0002")
        Device.objects.bulk_create(
            [Device(serial=f"FW{i:06d}", product_model=library["headset"], customer=customer,
                    firmware_version="3.0" if i < 3 else "2.1") for i in range(5)]
            + [Device(serial="FWOTHER01", product_model=library["headset"], customer=other,
                      firmware_version="1.0")])
    rows = list(world["alpha_customer1"].client().get("/lookup/firmware/").context["rows"])
    assert [(r["product_model__sku"], r["total"], r["outdated"]) for r in rows] == [
        ("VOY-LIB", 5, 2)]
    rows = list(world["alpha_agent"].client().get("/lookup/firmware/").context["rows"])
    assert [(r["total"], r["outdated"]) for r in rows] == [(6, 3)]


def test_licences_are_found_by_key_or_serial_within_the_customer(world, library):
    from inventory.models import Licence

    with tenant_context(world.alpha):
        own, other = (world.customer(world.alpha, "AL-0001"),
                      world.customer(world.alpha, "AL-0002"))
        device = DeviceFactory(serial="LIC000001", product_model=library["headset"],
                               customer=own)
        Licence.objects.create(key="LENS-PRO-1111", product_model=library["headset"], seats=5,
                               expires_on=date(2026, 1, 31), customer=own, device=device)
        Licence.objects.create(key="LENS-PRO-2222", product_model=library["headset"],
                               customer=other)
    client = world["alpha_customer1"].client()
    by_serial = client.get("/lookup/licences/", {"q": "lic000001"}).context["licences"]
    assert [lic.key for lic in by_serial] == ["LENS-PRO-1111"]
    assert "expired" in client.get("/lookup/licences/", {"q": "1111"}).content.decode()
    assert list(client.get("/lookup/licences/", {"q": "2222"}).context["licences"]) == []
    staff = world["alpha_agent"].client().get("/lookup/licences/", {"q": "LENS-PRO"})
    assert {lic.key for lic in staff.context["licences"]} == {"LENS-PRO-1111",
                                                              "LENS-PRO-2222"}
    beta = world["beta_agent"].client().get("/lookup/licences/", {"q": "LENS-PRO"})
    assert list(beta.context["licences"]) == []
