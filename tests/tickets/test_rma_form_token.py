"""The replacement request form sent twice with its one-time token makes one replacement
and leads to it; sent twice without one, the second answer names the replacement already
under way (tests/tickets/test_rma.py)."""

import re

from tickets.models import Rma


def test_the_request_form_sent_twice_with_its_token_leads_to_the_replacement(setup, world):
    setup["device"]("HS-0001")
    client = world["alpha_customer1"].client()
    page = client.get("/rma/new/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    form = {"serial": "HS-0001", "fault": "Crackling", "form_token": token}

    first = client.post("/rma/new/", form)
    again = client.post("/rma/new/", form, follow=True)

    rma = Rma.objects.get()
    assert first["Location"] == f"/rma/{rma.pk}/"
    assert again.redirect_chain == [(f"/rma/{rma.pk}/", 302)]
    assert "This form was already sent: here is the RMA it created." in again.content.decode()
