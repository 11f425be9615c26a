"""The case file's forms are written in Python (opsplatform.ui.forms: FastRender, render_field)
instead of through templates; the HTML must be the same characters as the templates write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.template.loader import render_to_string

from opsplatform.ui.forms import DateInput, FastRender, TextField, fast_widgets, render_field


class _Form(forms.Form):
    name = TextField(label="Imię & <nazwisko>", max_length=60, help_text="Jak w „dowodzie” <b>")
    day = forms.DateField(label="Dzień", widget=DateInput(), required=False)
    amount = forms.DecimalField(
        label="Kwota",
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-x": True, "data-y": False}),
    )
    count = forms.IntegerField(label="Liczba", min_value=0)
    note = TextField(label="Notatka", multiline=True, rows=4, required=False)
    urgent = forms.BooleanField(label="Pilne", required=False, help_text="Zaznacz, gdy pilne.")
    kind = forms.ChoiceField(label="Rodzaj", choices=[("a", "A & B"), ("b", "<B>")])
    mode = forms.ChoiceField(
        label="Tryb", choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect, required=False
    )
    many = forms.MultipleChoiceField(
        label="Kilka", choices=[("1", "Jeden"), ("2", "Dwa")], widget=forms.CheckboxSelectMultiple
    )
    grouped = forms.MultipleChoiceField(
        label="W grupach",
        choices=[("Zespół <1>", [("g1", "G & 1")]), ("Zespół 2", [("g2", "G2"), ("g3", "G3")])],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].required_when = "przy przyznaniu"  # type: ignore[attr-defined]


DATA: list[dict[str, Any] | None] = [
    None,
    {},
    {
        "name": 'Ala "<script>" & Ola',
        "day": "2026-02-30",
        "amount": "12,5",
        "count": "-1",
        "note": "wiersz 1\n<b>wiersz 2</b> & „cudzysłów”",
        "urgent": "on",
        "kind": "b",
        "mode": "y",
        "many": ["1", "2"],
        "grouped": ["g3"],
    },
    {"name": "Jan", "day": "2026-03-01", "count": "3", "kind": "a", "many": ["2"]},
]


@pytest.mark.parametrize("data", DATA)
def test_fast_widgets_write_the_same_html_as_django(data: dict[str, Any] | None) -> None:
    plain = _Form(data, prefix="p", initial={"day": dt.date(2026, 1, 5)})
    fast = _Form(data, prefix="p", initial={"day": dt.date(2026, 1, 5)})
    fast_widgets(fast)
    if data is not None:
        plain.is_valid()
        fast.is_valid()
    swapped = [n for n, f in fast.fields.items() if isinstance(f.widget, FastRender)]
    assert set(swapped) == set(fast.fields) - {"kind"}
    for name in fast.fields:
        if name == "kind":
            continue  # FastSelect: the same tags, not the same whitespace (test_fast_select.py)
        assert str(fast[name]) == str(plain[name]), name


@pytest.mark.parametrize("data", DATA)
def test_render_field_writes_what_the_field_template_writes(data: dict[str, Any] | None) -> None:
    form = _Form(data, prefix="p")
    fast_widgets(form)
    if data is not None:
        form.is_valid()
    for name in form.fields:
        expected = render_to_string("ui/_field.html", {"field": form[name]})
        assert render_field(form[name]) == expected, name
