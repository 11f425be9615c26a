"""FastSelect writes the same HTML as Django's select widget (it only skips the templates)."""

from __future__ import annotations

from html.parser import HTMLParser

from django import forms

from opsplatform.ui.forms import FastSelect, fast_selects


class _Form(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "— wybierz —"), ("a", "Ala & <Ola>"), ("b", "Bartek „B”")], required=False
    )
    grouped = forms.ChoiceField(
        choices=[("Zespół 1", [("x", "X")]), ("Zespół 2", [("y", "Y"), ("z", "Z")])]
    )


class _Shape(HTMLParser):
    """Tags with their attributes (in any order) and the text between them."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[object] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, sorted(attrs, key=lambda a: (a[0], a[1] or ""))))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(f"/{tag}")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(data.strip())


def _tight(html: str) -> list[object]:
    shape = _Shape()
    shape.feed(html)
    return shape.items


def test_same_html_as_django_select() -> None:
    for data in (None, {"plain": "a", "grouped": "z"}, {"plain": "nie-ma", "grouped": ""}):
        django_form = _Form(data)
        fast_form = _Form(data)
        fast_selects(fast_form)
        if data:
            django_form.is_valid()
            fast_form.is_valid()
        for name in ("plain", "grouped"):
            assert isinstance(fast_form.fields[name].widget, FastSelect)
            expected = str(django_form[name])
            assert _tight(str(fast_form[name])) == _tight(expected)
