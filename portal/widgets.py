"""The form renderer (settings.FORM_RENDERER): inputs, selects with their options, text
areas and labels written in Python, character for character as Django's widget templates
write them; every other template (forms, file inputs, radio lists…) through the templates.

Each widget, and each option of a select, is a template of its own: the ticket page's
one form, and the selects of list pages, cost as much as the rest of their page. An app
overriding one of these templates would need it taken out of `BUILT`."""

from html import escape as html_escape

from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, SafeString, mark_safe

_CONTEXT = Context()  # escaping on, localisation and time zones as templates have them


def _text(value):
    """`{{ value }}`: plain text escaped, as the template escapes it (most of a form's
    names, values and options' labels), without its look for dates and numbers."""
    if type(value) is str:
        return html_escape(value)
    return render_value_in_context(value, _CONTEXT)


def _formatted(value):
    """`{{ value|stringformat:'s' }}`: "%s" % value, which is str(value) (a tuple too)."""
    text = str(value)
    return _text(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs):
    """`django/forms/widgets/attrs.html` (and `django/forms/attrs.html`, the same)."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in (attrs or {}).items() if value is not False)


def _input(context):
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value == None else f' value="{_formatted(value)}"'  # noqa: E711 (as the template)
    return (f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
            f'{_attrs(widget["attrs"])}>')


def _option(option):
    return (f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
            f'{_text(option["label"])}</option>')


def _select(context):
    widget = context["widget"]
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None
            # The option's template ends with a line break, kept by the include.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(context):
    widget = context["widget"]
    value = widget["value"]
    return (f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f'{_text(value) if value else ""}</textarea>')


def _label(context):
    if not context["use_tag"]:
        return _text(context["label"])
    tag = _text(context["tag"])
    return f'<{tag}{_attrs(context["attrs"])}>{_text(context["label"])}</{tag}>'


WIDGETS = "django/forms/widgets/"
BUILT = {
    **{f"{WIDGETS}{kind}.html": _input for kind in (
        "input", "text", "number", "email", "url", "password", "hidden", "checkbox",
        "date", "datetime", "time", "search", "tel", "color")},
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}textarea.html": _textarea,
    "django/forms/label.html": _label,
}


class WidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        build = BUILT.get(template_name)
        html = build(context) if build is not None else None
        if html is None:
            return super().render(template_name, context, request)
        # Templates' output is stripped (BaseRenderer.render); these never start or end
        # with blanks.
        return SafeString(html)



SELECT_OPTION = f"{WIDGETS}select_option.html"


def bound_select(field):
    """`str(field)` of a bound field shown as a plain select, written from the field's
    choices: the widget's own context builds a dictionary, with copies of its attributes,
    for every option. None for any other widget (and any other renderer)."""
    widget = field.field.widget
    if (type(widget) is not forms.Select or widget.template_name != f"{WIDGETS}select.html"
            or widget.option_template_name != SELECT_OPTION
            or not isinstance(field.form.renderer, WidgetRenderer)):
        return None
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    chosen = widget.format_value(field.value())
    parts = [f'<select name="{_text(field.html_name)}"{_attrs({**widget.attrs, **attrs})}>']
    found = False
    for value, label in widget.choices:
        if isinstance(label, (list, tuple)):
            return None  # groups: as the widget writes them
        value = "" if value is None else value
        selected = not found and str(value) in chosen
        found = found or selected
        parts.append(f'\n  <option value="{_formatted(value)}"{" selected" if selected else ""}>'
                     f"{_text(label)}</option>\n")
    parts.append("\n</select>")
    return SafeString("".join(parts))
