"""Forms on pages: domain errors raised by services become inline errors next to their fields.

Services validate (they are the single source of rules, shared with the API); a page's form only
parses input. When a service raises, ``apply_domain_error`` puts each field's messages on the
matching form field (through ``field_map`` when the form names a field differently) and the rest,
with the error's message, on the form as a whole. Nothing the user typed is lost: the page is
rendered again with the bound form.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from opsplatform.errors import DomainError
from opsplatform.plausible_dates import EARLIEST_LIFE_DAY, LATEST_DAY
from opsplatform.text_rules import ADDRESS_MAX_LENGTH, LONG_TEXT_MAX_LENGTH, clean_text, looks_blank
from opsplatform.ui.access import is_htmx


def apply_domain_error(
    form: forms.BaseForm, error: DomainError, field_map: Mapping[str, str] | None = None
) -> None:
    field_map = field_map or {}
    placed = False
    for name, field_messages in error.fields.items():
        target = field_map.get(name, name)
        if target in form.fields:
            for message in field_messages:
                form.add_error(target, message)
            placed = True
        else:
            for message in field_messages:
                form.add_error(None, message)
    if not placed or not error.fields:
        form.add_error(None, error.message)


class FastSelect(forms.Select):
    """A ``<select>`` written out in Python instead of through a template per option: the same
    HTML as Django's select widget, in a fraction of the time for long lists (a centre's staff
    in several forms of one page made the case file slow)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts.extend(
                '<option value="{}"{}>{}</option>'.format(
                    _escape("" if option["value"] is None else option["value"]),
                    flatatt(option["attrs"]) if option["attrs"] else "",
                    _escape(option["label"]),
                )
                for option in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308  (every piece escaped above)


def _escape(value: Any) -> str:
    """As Django's ``conditional_escape`` (the same entities), without its per-call overhead."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value), quote=True)


def fast_selects(form: forms.BaseForm) -> None:
    """Give each plain ``<select>`` of the form the :class:`FastSelect` widget (same HTML)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            fast = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            fast.is_required = field.widget.is_required
            field.widget = fast


def _attrs_html(attrs: Mapping[str, Any]) -> str:
    """Django's ``django/forms/widgets/attrs.html``: `` name="value"``, a bare name for True,
    nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_escape(name)}")
        else:
            parts.append(f' {_escape(name)}="{_escape(value)}"')
    return "".join(parts)


# The templates of Django's widgets that FastRender writes out itself, and how.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "date", "number", "email", "checkbox", "password", "url", "tel")
)
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
_MULTIPLE_TEMPLATES = frozenset(
    ("django/forms/widgets/checkbox_select.html", "django/forms/widgets/radio.html")
)
_OPTION_TEMPLATES = frozenset(
    ("django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html")
)
_FAST_TEMPLATES = _INPUT_TEMPLATES | _MULTIPLE_TEMPLATES | {_TEXTAREA_TEMPLATE}


def _input_html(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/input.html``."""
    value = widget["value"]
    html_value = "" if value is None else f' value="{_escape(value)}"'
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
        f"{html_value}{_attrs_html(widget['attrs'])}>"
    )


def _multiple_html(widget: Mapping[str, Any]) -> str | None:
    """``django/forms/widgets/multiple_input.html`` (checkboxes, radio buttons), each option as
    ``input_option.html``; None for an option template it does not know."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{_escape(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{_escape(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_escape(group)}</label>")
        for option in options:
            if option["template_name"] not in _OPTION_TEMPLATES:
                return None
            control = _input_html(option) + "\n"
            if option["wrap_label"]:
                target = option["attrs"].get("id")
                label_for = f' for="{_escape(target)}"' if target else ""
                control = f"<label{label_for}>{control} {_escape(option['label'])}</label>"
            parts.append(f"<div>\n    {control}\n\n</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


class FastRender:
    """A widget mix-in: the HTML of Django's ``<input>``, ``<textarea>`` and checkbox or radio
    group templates (the same characters; Django's renderer strips the outer whitespace) written
    in Python, because a page of many forms spent most of its time in those templates. Other
    templates render as usual."""

    template_name: str

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> Any:
        widget = context["widget"]
        html_text: str | None = None
        if template_name in _INPUT_TEMPLATES:
            html_text = _input_html(widget)
        elif template_name == _TEXTAREA_TEMPLATE:
            value = widget["value"]
            html_text = (
                f'<textarea name="{_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>\n'
                f"{_escape(value) if value else ''}</textarea>"
            )
        elif template_name in _MULTIPLE_TEMPLATES:
            html_text = _multiple_html(widget)
        if html_text is not None:
            return mark_safe(html_text)  # noqa: S308  (every piece escaped)
        return super()._render(template_name, context, renderer)  # type: ignore[misc]


_FAST_CLASSES: dict[type[forms.Widget], type[forms.Widget]] = {}


def _fast_class(cls: type[forms.Widget]) -> type[forms.Widget]:
    if cls not in _FAST_CLASSES:
        _FAST_CLASSES[cls] = type(f"Fast{cls.__name__}", (FastRender, cls), {})
    return _FAST_CLASSES[cls]


def fast_widgets(form: forms.BaseForm) -> None:
    """Render the form's widgets without templates where the HTML is simple: plain selects as
    :class:`FastSelect`, inputs and text areas through :class:`FastRender` (the widget keeps its
    class's behaviour; only the writing of its HTML changes)."""
    fast_selects(form)
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, FastRender):
            continue
        if widget.template_name in _FAST_TEMPLATES:
            widget.__class__ = _fast_class(type(widget))


class DateInput(forms.DateInput):
    """A native date picker (ISO value, shown in the browser's Polish format)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date typed on a page, refused next to its field when it lies outside every range a
    centre's work can need (``EARLIEST_LIFE_DAY`` to ``LATEST_DAY``): a year 9999 or 0001 is a
    typo, and would otherwise reach a service only once the rest of the form is valid, or overflow
    date arithmetic in a view. The services' narrower rules (``opsplatform.plausible_dates``)
    still apply to what passes."""

    widget = DateInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("min", EARLIEST_LIFE_DAY.isoformat())
        self.widget.attrs.setdefault("max", LATEST_DAY.isoformat())

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_LIFE_DAY <= value <= LATEST_DAY:
            raise ValidationError(
                _("Podaj datę między %(earliest)s a %(latest)s."),
                code="date_out_of_range",
                params={
                    "earliest": f"{EARLIEST_LIFE_DAY:%d.%m.%Y}",
                    "latest": f"{LATEST_DAY:%d.%m.%Y}",
                },
            )


def form_response(
    request: HttpRequest,
    partial: str,
    context: dict[str, Any],
    *,
    title: str,
    back_url: str | None = None,
) -> HttpResponse:
    """Answer a form that needs correcting (status 200, as Django's own forms do).

    htmx requests get the form's partial alone, swapped in place of the form; a plain browser post
    (no JavaScript) gets a whole page around the same partial. Either way the user's input stays in
    the bound form and the errors stand next to their fields.
    """
    if is_htmx(request):
        return render(request, partial, context)
    return render(
        request,
        "ui/form_page.html",
        {**context, "partial": partial, "page_title": title, "back_url": back_url},
    )


def success_redirect(request: HttpRequest, url: str, message: str | None = None) -> HttpResponse:
    """After a successful post: a flash message and a redirect (HX-Redirect for htmx)."""
    if message:
        messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class TextField(forms.CharField):
    """A ``CharField`` for text people type: refuses invisible and control characters (the error
    stands next to the field), counts a value of only such characters as blank (the field's
    "required" message) and cleans to NFC. ``multiline`` text (a textarea) may hold line breaks
    and tabs. Without an explicit ``max_length`` one of the rule's bounds applies."""

    def __init__(self, *, multiline: bool = False, rows: int = 3, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", LONG_TEXT_MAX_LENGTH if multiline else ADDRESS_MAX_LENGTH)
        if multiline:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return text  # the field's empty value
        if looks_blank(text) and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return clean_text(text, multiline=self.multiline)


_REQUIRED_MARK = ' <span class="req" aria-hidden="true">*</span>'


def render_field(field: forms.BoundField) -> SafeString:
    """One form field as ``ui/_field.html`` writes it (the same characters, whitespace included),
    written in Python for pages with many forms: label, control, help and inline errors tied to
    it for screen readers. tests/opsplatform/test_fast_widgets.py holds the two together."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    multiple = bool(getattr(widget, "allow_multiple_selected", False))
    classes = "field"
    if field.errors:
        classes += " has-error"
    if input_type == "checkbox" and not multiple:
        classes += " field-check"
    label = _escape(field.label)
    parts = [f'\n<div class="{classes}" id="field-{_escape(field.html_name)}">\n  ']
    if input_type == "radio" or (multiple and input_type == "checkbox"):
        mark = _REQUIRED_MARK if field.field.required else ""
        parts.append(f"\n    <fieldset><legend>{label}{mark}</legend>{field}</fieldset>\n  ")
    elif input_type == "checkbox":
        parts.append(
            f'\n    {field}\n    <label for="{_escape(field.id_for_label)}">{label}</label>\n  '
        )
    else:
        mark = ""
        required_when = getattr(field.field, "required_when", None)
        if field.field.required:
            mark = _REQUIRED_MARK
        elif required_when:
            mark = f'{_REQUIRED_MARK} <span class="req-when">({_escape(required_when)})</span>'
        parts.append(
            f'\n    <label for="{_escape(field.id_for_label)}">{label}{mark}</label>'
            f"\n    {field}\n  "
        )
    parts.append("\n  ")
    if field.help_text:
        parts.append(
            f'<p class="help" id="{_escape(field.auto_id)}_helptext">{_escape(field.help_text)}</p>'
        )
    parts.append("\n  ")
    parts.extend(
        f'<p class="field-error" id="{_escape(field.auto_id)}_error">{_escape(error)}</p>'
        for error in field.errors
    )
    parts.append("\n</div>\n")
    return mark_safe("".join(parts))  # noqa: S308  (every piece escaped, the control is safe)
