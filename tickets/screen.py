"""The ticket page's repeated pieces written in Python, character for character as their
templates in `templates/tickets/includes/` write them (tests compare both): the
conversation, the sidebar's facts and fields, the service level, the customer's panel, the
escalations and the replacements. Each was a template of its own, and together they cost
the page more than its queries.

`partner` is the console's partner when the console draws the page: its links are the
partner portal's, so the names are shown without them."""

from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from inventory.tables import coverage_badge
from portal.formats import date_time, short_date
from portal.lists import form_field, html, row_url, written_once


def duration(value):
    """A length of time as hours and minutes, e.g. "26 h 05 min"."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min") % {"minutes": minutes}


def _t(message):
    """`{% translate "…" %}`: the catalogue's text as it is written, not escaped."""
    return SafeString(gettext(message))


def _linked(partner, route, pk, text):
    if partner:
        return conditional_escape(text)
    return html('<a href="{}">{}</a>', row_url(route, pk), text)


def escalation_banner(ticket, escalation):
    level = conditional_escape(ticket.get_escalation_level_display())
    return html(
        '<div class="notice notice--warning ticket-banner" role="note">\n'
        "  <p><strong>{}</strong> · {} · {}</p>\n"
        "  <p>{}</p>\n"
        "</div>",
        SafeString(_t("Escalated to %(level)s") % {"level": level}),
        date_time(escalation.created_at), escalation.actor_name,
        linebreaksbr(escalation.reason))


def _comment(comment, urls):
    attachments = ""
    files = comment.files
    if files:
        attachments = '<ul class="attachments">' + "".join(
            html('\n            <li><a href="{}attachments/{}/">{}</a> '
                 '<span class="muted">{}</span></li>\n          ',
                 urls["detail"], attachment.pk, attachment.filename,
                 filesizeformat(attachment.size))
            for attachment in files) + "</ul>"
    internal = comment.internal
    return html(
        '\n        <div class="comment{}">\n'
        '          <p class="muted">{}{} · {}{}</p>\n'
        "          <p>{}</p>\n"
        "          {}\n"
        "        </div>\n      ",
        SafeString(" comment--internal") if internal else "",
        comment.author_name or "—",
        html(" · {}", _t("vendor support")) if comment.from_vendor else "",
        date_time(comment.created_at),
        html(' · <span class="badge badge--provisioning">{}</span>', _t("Internal note"))
        if internal else "",
        linebreaksbr(comment.body), SafeString(attachments))


def conversation(comments, urls):
    """The thread's messages, oldest first, or that there are none yet."""
    items = "".join(_comment(comment, urls) for comment in comments)
    return SafeString(items or html('<p class="empty">{}</p>', _t("No messages yet.")))


def fields(bound_fields):
    return SafeString("".join(form_field(field) for field in bound_fields))


def reply_fields(form):
    """The reply's fields, under the conversation."""
    return written_once(form, "reply", lambda: fields(form.reply_fields()))


def cloud_notices(notices):
    return SafeString("".join(
        html('<div class="comment"><p class="muted">{} · {}</p><p>{}</p></div>',
             date_time(notice.created_at), notice.author_name, linebreaksbr(notice.body))
        for notice in notices))


def escalation_rows(escalations):
    handed_back = html(' <span class="muted">({})</span>', _t("handed back"))
    return SafeString("".join(
        html("\n          <tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n"
             "        ",
             date_time(step.created_at), step.get_from_level_display(),
             step.get_to_level_display(), "" if step.is_escalation else handed_back,
             step.actor_name, linebreaksbr(step.reason))
        for step in escalations))


def ticket_facts(ticket, form, staff, partner=None):
    """The sidebar's statements of what the reader may not change here."""
    editable = form.editable
    parts = ['<dl class="details">\n']
    for name, label, shown, value in (
            ("status", _t("State"), True, ticket.get_status_display),
            ("priority", _t("Priority"), True, ticket.get_priority_display),
            ("category", _t("Category"), True, ticket.get_category_display),
            ("assignee", _t("Assignee"), staff,
             lambda: (ticket.assignee.display_name if ticket.assignee else "") or "—"),
            ("level", _t("Escalation level"), staff, ticket.get_escalation_level_display)):
        parts.append("        ")
        if shown and name not in editable:
            parts.append(html("<dt>{}</dt><dd>{}</dd>", label, value()))
        parts.append("\n")
    device = ticket.device
    parts.append(html(
        "        <dt>{}</dt><dd>{}</dd>\n"
        "        <dt>{}</dt><dd>{}{}</dd>\n        ",
        _t("Device"),
        _linked(partner, "device_detail", device.pk, device.serial) if device else "—",
        _t("Opened"), date_time(ticket.created_at),
        html(" · {}", ticket.opened_by.display_name) if ticket.opened_by else ""))
    if ticket.resolved_at:
        parts.append(html("<dt>{}</dt><dd>{}</dd>", _t("Resolved"),
                          date_time(ticket.resolved_at)))
    parts.append("\n      </dl>")
    return SafeString("".join(parts))


def sidebar_fields(form, letter_refusal=None):
    """The sidebar's fields by subject, the folded groups with their title."""
    return written_once(form, ("sidebar", str(letter_refusal or "")),
                         lambda: _sidebar_fields(form, letter_refusal))


def _sidebar_fields(form, letter_refusal):
    refusal = html(
        '<p class="notice notice--warning" role="note">{} {}</p>', letter_refusal or "",
        _t("No incident can be opened on the customer's behalf: record the findings and "
          "refer the customer to the cloud partner.")) if letter_refusal else ""
    parts = []
    for title, group, opened in form.sidebar_groups():
        parts.append(html('\n        <details class="sidebar-group"{}><summary>{}</summary>',
                          SafeString(" open") if opened else "", title)
                     if title else "\n        ")
        parts.append("\n        ")
        parts.append(fields(group))
        parts.append("\n        ")
        if refusal and group[0].name == "cloud_partner":
            parts.append(refusal)
        parts.append("\n        ")
        if title:
            parts.append("</details>")
        parts.append("\n      ")
    return SafeString("".join(parts))


def _clock(clock):
    state = clock.state
    if state == "met":
        return html('<span class="badge badge--active">{}</span> {}\n    ', _t("Met"),
                    date_time(clock.met_at))
    if state == "missed":
        return html('<span class="badge badge--failed">{}</span> {}\n    ', _t("Missed"),
                    date_time(clock.met_at))
    if state == "paused":
        return html('<span class="badge badge--provisioning">{}</span> {}\n    ',
                    _t("Clock stopped"), SafeString(_t("%(left)s left on the clock") % {
                        "left": conditional_escape(duration(clock.left))}))
    if state == "breached":
        return html('<span class="badge badge--failed">{}</span> {}\n    ', _t("Breached"),
                    SafeString(_t("was due %(due)s") % {
                        "due": conditional_escape(date_time(clock.due_at))}))
    return SafeString(_t("due %(due)s · %(left)s left") % {
        "due": conditional_escape(date_time(clock.due_at)),
        "left": conditional_escape(duration(clock.left))})


def service_level(clocks, ticket):
    """`tickets/includes/sla.html`: the response and resolution clocks."""
    rows = "".join(
        html("\n  <dt>{}</dt>\n  <dd>\n    {}\n  </dd>\n",
             _t("Response") if clock.target == "response" else _t("Resolution"), _clock(clock))
        for clock in clocks)
    hours = (_t("Counted around the clock.") if ticket.priority in ("P1", "P2")
             else _t("Counted in support hours, public holidays excluded."))
    return html('\n<dl class="details">\n{}\n</dl>\n<p class="muted">{}</p>\n',
                SafeString(rows), hours)


def _replacements(rmas, partner):
    return SafeString("".join(
        html("<li>{} · {} · {}</li>", _linked(partner, "rma_detail", rma["pk"],
                                              rma["reference"]),
             rma["serial"], rma["status_label"])
        for rma in rmas))


def own_replacements(rmas, partner=None):
    return html('<div class="card"><h2>{}</h2>\n      <ul>{}</ul></div>',
                _t("Replacements of this ticket"), _replacements(rmas, partner))


def customer_panel(ticket, panel, recent_rmas, partner=None):
    """`tickets/includes/customer_panel.html`: the customer's contract, other open
    tickets and latest replacements, for staff."""
    customer = ticket.customer
    if panel["contract_id"]:
        active = SafeString(_t("Active until %(end)s") % {
            "end": conditional_escape(short_date(panel["contract_end"]))})
        contract = _linked(partner, "contract_detail", panel["contract_id"], active)
    else:
        contract = html('<span class="badge badge--failed">{}</span>',
                        _t("No active contract"))
    covers = html("<dt>{}</dt><dd>{}</dd>", _t("Covers"), ", ".join(
        str(category) for category in panel["categories"])) if panel["categories"] else ""
    device = html("<dt>{}</dt><dd>{}</dd>", ticket.device.serial,
                  coverage_badge(panel["device_coverage"])) if ticket.device else ""
    count = panel["open_count"]
    others = ""
    if panel["open_tickets"]:
        others = html("<ul>{}</ul>", SafeString("".join(
            html('<li>{} · <span class="badge">{}</span> {} <span class="muted">{}</span>'
                 "</li>", _linked(partner, "ticket_detail", other["pk"], other["reference"]),
                 other["priority"], other["subject"], other["status_label"])
            for other in panel["open_tickets"])))
    recent = (html("<ul>{}</ul>", _replacements(recent_rmas, partner)) if recent_rmas
              else html('<p class="muted">{}</p>', _t("None")))
    return html(
        '\n<div class="card" id="customer-panel">\n'
        '  <h2>{} <span class="muted">{}</span></h2>\n'
        '  <dl class="details">\n'
        "    <dt>{}</dt>\n"
        "    <dd>{}</dd>\n"
        "    {}\n"
        "    {}\n"
        "  </dl>\n"
        "  <h3>{}</h3>\n"
        "  {}\n"
        "  <h3>{}</h3>\n"
        "  {}\n"
        "</div>\n",
        _linked(partner, "customer_detail", customer.pk, customer.name), customer.site_id,
        _t("Contract"), contract, covers, device,
        SafeString(ngettext("%(count)s other open ticket", "%(count)s other open tickets",
                            count) % {"count": conditional_escape(count)}),
        SafeString(others), _t("Recent replacements"), recent)
