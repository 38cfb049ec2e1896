"""The replacement list sorts by its columns and shares its filters with its CSV export and
the API list (RmaFilterSet)."""

from tickets.models import Rma

from .test_rma import PARIS, approve, at, request


def serials(client, **params):
    return [rma.device.serial for rma in client.get("/rma/", params).context["page"].object_list]


def three_requests(setup):
    """HS-0001 promised for 6 March, HS-0002 for 23 February (the most overdue), HS-0003
    for 3 March; the usual order is the newest request first."""
    for serial, when in (("HS-0001", at(PARIS, 2026, 3, 5, 10)),
                         ("HS-0002", at(PARIS, 2026, 2, 20, 10)),
                         ("HS-0003", at(PARIS, 2026, 3, 2, 10))):
        setup["device"](serial)
        request(setup, serial, when)


def test_sorted_by_promised_ship_date_the_most_overdue_comes_first(setup, world):
    three_requests(setup)
    client = world["alpha_agent"].client()
    assert serials(client) == ["HS-0001", "HS-0003", "HS-0002"]
    assert serials(client, sort="promised_ship_date") == ["HS-0002", "HS-0003", "HS-0001"]
    assert serials(client, sort="-promised_ship_date") == ["HS-0001", "HS-0003", "HS-0002"]


def test_sorted_by_status_in_the_workflow_order(setup, world):
    three_requests(setup)
    approve(setup, Rma.objects.get(device__serial="HS-0001"), at(PARIS, 2026, 3, 5, 11))
    client = world["alpha_agent"].client()
    assert serials(client, sort="status")[-1] == "HS-0001"
    assert serials(client, sort="-status")[0] == "HS-0001"


def test_an_unknown_sort_keeps_the_usual_order(setup, world):
    three_requests(setup)
    client = world["alpha_agent"].client()
    usual = serials(client)
    for sort in ("fault", "-", "customer__users__password", "pk;drop"):
        response = client.get("/rma/", {"sort": sort})
        assert response.status_code == 200
        assert [rma.device.serial for rma in response.context["page"].object_list] == usual


def test_column_headers_sort_and_keep_the_filters(setup, world):
    three_requests(setup)
    client = world["alpha_agent"].client()
    body = client.get("/rma/", {"category": "headsets"}).content.decode()
    assert 'href="?category=headsets&amp;sort=promised_ship_date"' in body
    assert "sort=customer" in body
    body = client.get("/rma/", {"category": "headsets",
                                "sort": "promised_ship_date"}).content.decode()
    assert 'aria-sort="ascending"' in body
    assert 'href="?category=headsets&amp;sort=-promised_ship_date"' in body
    assert '<input type="hidden" name="sort" value="promised_ship_date">' in body
    # A customer user does not see, nor sort by, the customer column.
    body = world["alpha_customer1"].client().get("/rma/").content.decode()
    assert "sort=customer" not in body and "sort=promised_ship_date" in body


def test_the_csv_and_the_api_list_what_the_page_lists(setup, world):
    three_requests(setup)
    setup["device"]("VID-0001", product=setup["video"])
    request(setup, "VID-0001")
    approve(setup, Rma.objects.get(device__serial="HS-0003"))
    client = world["alpha_agent"].client()
    for params in ({"category": "video"}, {"q": "hs-000"}, {"status": "approved"},
                   {"status": "open", "chargeable": "no"}, {"q": "HS", "sort": "customer"}):
        listed = serials(client, **params)
        lines = client.get("/rma/", {**params, "format": "csv"}).content.decode()
        exported = [line.split(",")[3] for line in lines.splitlines()[1:]]
        assert exported == listed and listed, params
        api = {key: value for key, value in params.items() if key != "sort"}
        items = client.get("/api/v1/rmas", api).json()["items"]
        assert sorted(item["device"]["serial"] for item in items) == sorted(listed), params
