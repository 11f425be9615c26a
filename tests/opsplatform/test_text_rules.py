"""The rule for typed text: every format character (bidirectional controls, zero-width spaces and
joiners…) and control character is refused wherever it stands, letters of every script pass, the
text is stored as NFC, and a value of only invisible characters counts as blank."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from opsplatform.errors import ValidationFailed
from opsplatform.text_rules import checked_text, clean_text, looks_blank, refused_character

# The characters that reverse or hide text, named in the rule's documentation.
BIDI_AND_ZERO_WIDTH = [
    *map(chr, range(0x202A, 0x202F)),  # LRE, RLE, PDF, LRO, RLO
    *map(chr, range(0x2066, 0x206A)),  # LRI, RLI, FSI, PDI
    *map(chr, range(0x200B, 0x2010)),  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM)
    "\u00ad",  # soft hyphen
    "\u061c",  # Arabic letter mark
]
invisible = st.one_of(st.sampled_from(BIDI_AND_ZERO_WIDTH), st.characters(categories=["Cf"]))
controls = st.characters(categories=["Cc"]).filter(lambda c: c not in "\n\r\t")
letters = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc"])
SCRIPTS = [
    "Zażółć gęślą jaźń",  # Polish
    "Ґанна Їжакевич-Євтушенко",  # Ukrainian
    "Nguyễn Thị Minh Khai",  # Vietnamese
    "Ірина Щербак",  # Ukrainian, again: many clients are
    "Ğülşen Çağlar",  # Turkish
    "Ელენე",  # Georgian
    "שרה כהן",  # Hebrew (right-to-left letters are letters, not controls)
    "فاطمة",  # Arabic
    "Αθηνά",  # Greek
    "Šťastný Ďábel",  # Czech
]


@given(text=st.text(letters, max_size=20), bad=invisible, at=st.integers(min_value=0))
@example(text="Kowalska", bad="\u202e", at=3)
@example(text="12", bad="\u200b", at=0)
def test_any_invisible_character_is_refused_wherever_it_stands(
    text: str, bad: str, at: int
) -> None:
    at %= len(text) + 1
    value = text[:at] + bad + text[at:]
    for multiline in (False, True):
        assert refused_character(value, multiline=multiline) is not None
        with pytest.raises(ValidationError) as refused:
            clean_text(value, multiline=multiline)
        assert refused.value.code == "invisible_character"
        assert f"U+{ord(bad):04X}" in refused.value.messages[0]
        with pytest.raises(ValidationFailed) as failed:
            checked_text("reason", value, multiline=multiline)
        assert list(failed.value.fields) == ["reason"]


@given(text=st.text(letters, max_size=20), bad=controls)
def test_control_characters_are_refused(text: str, bad: str) -> None:
    with pytest.raises(ValidationError):
        clean_text(text + bad + text, multiline=True)


def test_line_breaks_only_in_multiline_text() -> None:
    note = "Pierwszy akapit.\r\n\tDrugi akapit."
    assert clean_text(note, multiline=True) == note
    for single_line_break in ("\n", "\r", "\u2028", "\u2029"):
        with pytest.raises(ValidationError):
            clean_text(f"Jan{single_line_break}Kowalski")
    with pytest.raises(ValidationError):
        clean_text("Jan\x00Kowalski", multiline=True)
    with pytest.raises(ValidationError):
        clean_text("Jan\ud800Kowalski", multiline=True)  # an unpaired surrogate


@pytest.mark.parametrize("name", SCRIPTS)
def test_letters_of_every_script_pass(name: str) -> None:
    assert clean_text(name) == name
    assert not looks_blank(name)


@given(st.text(letters, min_size=1, max_size=40))
def test_any_letters_pass_and_are_stored_as_nfc(name: str) -> None:
    assert clean_text(name) == unicodedata.normalize("NFC", name)


def test_decomposed_letters_are_composed() -> None:
    # "ą" and "ễ" typed as a base letter plus combining marks
    assert clean_text("Ma\u0328ka Nguye\u0302\u0303n") == "Mąka Nguyễn"


@given(st.text(st.one_of(invisible, st.sampled_from(" \t\n\u00a0\u3000\u3164\u2800"))))
@example("\u200b" * 12)
def test_a_value_of_only_invisible_characters_is_blank(value: str) -> None:
    assert looks_blank(value)
