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

from opsplatform.errors import DomainError
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


class DateInput(forms.DateInput):
    """A native date picker (ISO value, shown in the browser's Polish format)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


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
