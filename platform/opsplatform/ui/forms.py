"""Forms on pages: domain errors raised by services become inline errors next to their fields.

Services validate (they are the single source of rules, shared with the API); a page's form only
parses input. When a service raises, ``apply_domain_error`` puts each field's messages on the
matching form field (through ``field_map`` when the form names a field differently) and the rest,
with the error's message, on the form as a whole. Nothing the user typed is lost: the page is
rendered again with the bound form.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from opsplatform.errors import DomainError


def apply_domain_error(
    form: forms.BaseForm, error: DomainError, field_map: Mapping[str, str] | None = None
) -> None:
    field_map = field_map or {}
    placed = False
    for name, messages in error.fields.items():
        target = field_map.get(name, name)
        if target in form.fields:
            for message in messages:
                form.add_error(target, message)
            placed = True
        else:
            for message in messages:
                form.add_error(None, message)
    if not placed or not error.fields:
        form.add_error(None, error.message)


class DateInput(forms.DateInput):
    """A native date picker (ISO value, shown in the browser's Polish format)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
