from tests.portal.test_branding import brand_colours


def test_partner_admin_sees_the_branded_dashboard(world):
    response = world["alpha_admin"].client().get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Communications" in body
    assert "--brand-primary: #123456" in brand_colours(world["alpha_admin"].client(), body)
    nav = [entry["label"] for entry in response.context["navigation"]]
    assert [str(label) for label in nav] == [
        "Dashboard", "Tickets", "Replacements", "Reports", "Customers", "Contracts", "Quotes",
        "Devices", "Firmware", "Downloads", "Spare parts", "Licences", "Users", "Branding",
        "Webhooks", "API tokens"]
    assert "invitee@alpha.example" in body  # pending invitation


def test_agent_navigation_has_no_admin_entries(world):
    response = world["alpha_agent"].client().get("/")
    nav = [str(entry["label"]) for entry in response.context["navigation"]]
    assert nav == ["Dashboard", "Tickets", "Replacements", "Reports", "Customers", "Contracts",
                   "Devices", "Firmware", "Downloads", "Spare parts", "Licences", "API tokens"]


def test_customer_user_dashboard_shows_only_their_organisation(world):
    response = world["alpha_customer1"].client().get("/")
    body = response.content.decode()
    assert "Alpha Customer One" in body
    assert "Alpha Customer Two" not in body
    nav = [str(entry["label"]) for entry in response.context["navigation"]]
    assert nav == ["Dashboard", "Tickets", "Replacements", "Reports", "Contracts", "Devices",
                   "Firmware", "Downloads", "Spare parts", "Licences", "API tokens",
                   "My organisation"]


def shown_menu(response):
    """The menu as the page shows it: an entry's label, or a group's label and entries."""
    return [(str(item["label"]), [str(entry["label"]) for entry in item["entries"]])
            if "entries" in item else str(item["label"]) for item in response.context["menu"]]


def test_partner_admin_menu_groups_resources_and_settings(world):
    response = world["alpha_admin"].client().get("/")
    assert shown_menu(response) == [
        "Dashboard", "Tickets", "Replacements", "Reports", "Customers", "Contracts", "Quotes",
        "Devices", ("Resources", ["Firmware", "Downloads", "Spare parts", "Licences"]),
        ("Settings", ["Users", "Branding", "Webhooks", "API tokens"])]
    body = response.content.decode()
    assert body.count('<details class="nav__group">') == 2
    assert '<button type="button" class="menu-button" aria-expanded="false" ' \
        'aria-controls="site-menu" hidden>' in body


def test_a_group_shows_only_what_the_role_may_open(world):
    agent = shown_menu(world["alpha_agent"].client().get("/"))
    customer_user = shown_menu(world["alpha_customer1"].client().get("/"))
    assert ("Settings", ["API tokens"]) in agent and ("Settings", ["API tokens"]) in customer_user
    assert agent[-2] == customer_user[-3] == (
        "Resources", ["Firmware", "Downloads", "Spare parts", "Licences"])
    assert customer_user[-1] == "My organisation"


def test_the_group_of_the_open_page_is_marked(world):
    response = world["alpha_admin"].client().get("/users/")
    settings_group = next(item for item in response.context["menu"]
                          if str(item["label"]) == "Settings")
    assert settings_group["active"]
    assert '<details class="nav__group is-active">' in response.content.decode()


def test_the_skip_link_comes_first_and_leads_to_the_main_content(world):
    body = world["alpha_agent"].client().get("/").content.decode()
    first_link = body.index("<a ", body.index("<body"))
    assert body[first_link:].startswith('<a class="skip-link" href="#content">Skip to content</a>')
    assert '<main id="content" tabindex="-1"' in body


def test_console_dashboard_lists_partners_for_vendor_staff(world):
    for persona in ("vendor_admin", "csm", "support_engineer"):
        body = world[persona].client().get("/").content.decode()
        assert "Alpha Communications" in body and "Beta Réseaux" in body


def test_console_navigation_by_role(world):
    admin_nav = world["vendor_admin"].client().get("/").context["navigation"]
    csm_nav = world["csm"].client().get("/").context["navigation"]
    assert [str(e["label"]) for e in admin_nav] == ["Dashboard", "Partners", "Quotes",
                                                    "Catalogue", "Vendor staff"]
    assert [str(e["label"]) for e in csm_nav] == ["Dashboard", "My customers", "Reports",
                                                  "Quotes", "Catalogue"]
    engineer_nav = world["support_engineer"].client().get("/").context["navigation"]
    assert [str(e["label"]) for e in engineer_nav] == ["Dashboard", "Escalations", "Replacements",
                                                          "Catalogue"]


def test_dashboard_queries_do_not_grow_with_rows(world, query_count_baseline):
    from django_tenants.utils import tenant_context

    from contracts.models import Customer
    from portal.users.models import User

    client = world["alpha_admin"].client()
    client.get("/")

    def count():
        with query_count_baseline("dashboard") as queries:
            assert client.get("/").status_code == 200
        return queries.count

    before = count()
    with tenant_context(world.alpha):
        Customer.objects.bulk_create(
            [Customer(name=f"Bulk {i}", site_id=f"BULK-{i:04d}") for i in range(20)])
        for i in range(10):
            User.objects.create_user(f"pending{i}@alpha.example", role="partner_agent")
    assert count() == before


def test_the_console_dashboard_counts_staff_and_invitations_without_reading_them(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.users.models import User
    from portal.users.services import invite_user

    for i in range(3):
        invite_user(email=f"new{i}@polyplus.example", role="csm")
    client = world["vendor_admin"].client()
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    assert response.context["pending_invitations"] == User.objects.filter(
        is_active=True, password__startswith="!").count() >= 3
    assert response.context["staff_count"] == User.objects.filter(is_active=True).count()
    # The staff's rows are counted by the database, not loaded to be counted (the one
    # user row read is the signed-in user's, by its id).
    loaded = [q["sql"] for q in queries.captured_queries
              if f'FROM "{User._meta.db_table}"' in q["sql"] and "COUNT(" not in q["sql"]
              and "LIMIT 21" not in q["sql"]]
    assert loaded == []


def test_the_dashboards_counts_are_the_partners_rows(world):
    from django_tenants.utils import tenant_context

    from contracts.models import Customer
    from portal.users.models import User

    with tenant_context(world.alpha):
        customers = Customer.objects.count()
        active = User.objects.filter(is_active=True).count()
        Customer.objects.create(name="Alpha Customer Three", site_id="AL-0003")
    admin = world["alpha_admin"].client().get("/").context
    assert (admin["customer_count"], admin["user_count"]) == (customers + 1, active)
    assert world["alpha_agent"].client().get("/").context["customer_count"] == customers + 1
    beta = world["beta_admin"].client().get("/").context
    with tenant_context(world.beta):
        assert beta["customer_count"] == Customer.objects.count() != customers + 1
    customer = world["alpha_customer1"].client().get("/").context
    assert "customer_count" not in customer and "user_count" not in customer
