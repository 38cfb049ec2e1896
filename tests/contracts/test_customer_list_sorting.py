"""The customer list sorts by name and Site ID and shares its filters with its CSV export."""


def site_ids(client, **params):
    return [c.site_id for c in client.get("/customers/", params).context["customers"]]


def test_sorted_by_site_id_either_way(world):
    client = world["alpha_agent"].client()
    ascending = site_ids(client, sort="site_id")
    assert ascending == sorted(ascending) and len(ascending) > 1
    assert site_ids(client, sort="-site_id") == ascending[::-1]
    assert site_ids(client, sort="city") == site_ids(client)  # not a sort: ignored


def test_the_csv_export_lists_what_the_page_lists(world):
    client = world["alpha_agent"].client()
    for params in ({"q": "two"}, {"q": "AL-000", "sort": "-site_id"}):
        listed = site_ids(client, **params)
        lines = client.get("/customers/", {**params, "format": "csv"}).content.decode()
        assert [line.split(",")[0] for line in lines.splitlines()[1:]] == listed and listed
