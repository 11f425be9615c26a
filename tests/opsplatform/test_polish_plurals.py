"""Polish has three plural forms; the interface's counted sentences use all three."""

import pytest
from django.template import Context, Template
from django.utils import translation

RECOVERY_CODES_LEFT = Template(
    "{% load i18n %}{% blocktranslate count left=left %}Pozostał {{ left }} nieużyty kod "
    "odzyskiwania.{% plural %}Pozostało {{ left }} nieużytych kodów odzyskiwania."
    "{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("left", "sentence"),
    [
        (1, "Pozostał 1 nieużyty kod odzyskiwania."),
        (2, "Pozostały 2 nieużyte kody odzyskiwania."),
        (4, "Pozostały 4 nieużyte kody odzyskiwania."),
        (5, "Pozostało 5 nieużytych kodów odzyskiwania."),
        (12, "Pozostało 12 nieużytych kodów odzyskiwania."),
        (22, "Pozostały 22 nieużyte kody odzyskiwania."),
        (0, "Pozostało 0 nieużytych kodów odzyskiwania."),
    ],
)
def test_recovery_codes_left_in_polish(left: int, sentence: str) -> None:
    with translation.override("pl"):
        assert RECOVERY_CODES_LEFT.render(Context({"left": left})) == sentence


def test_recovery_codes_left_in_english() -> None:
    with translation.override("en"):
        assert RECOVERY_CODES_LEFT.render(Context({"left": 3})) == "3 unused recovery codes left."
