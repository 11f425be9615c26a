"""The rule for text people type (names, addresses, reasons, notes), in one place.

Letters of every script are welcome (Polish, Ukrainian Cyrillic, Vietnamese…). Refused are the
characters that print as nothing or change how the text around them is shown:

* format characters (Unicode category Cf): the bidirectional controls (U+202A–U+202E,
  U+2066–U+2069, U+200E/U+200F) can make a printed decision or an access-log entry read
  differently from what is stored; zero-width spaces and joiners (U+200B–U+200D, U+2060,
  U+FEFF) and the soft hyphen make two different values look identical;
* control characters (Cc), NUL among them, except the line break and tab in multi-line text;
* unpaired surrogates (Cs), which JSON can carry (``"\\ud800"``) but PostgreSQL cannot store;
* in single-line text, the Unicode line and paragraph separators.

A value made only of whitespace and such invisible characters counts as blank, so a reason of
twelve zero-width spaces is "required", not ten characters long. Accepted text is normalised to
NFC, so "ą" typed as "a" plus a combining ogonek is stored (and searched) as one letter.

The API's and the pages' text fields (``opsplatform.api.fields``, ``opsplatform.ui.forms``) apply
this rule; services that must hold whatever path calls them use ``checked_text``.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from opsplatform.errors import field_error

# Sane upper bounds for free text, in characters; a database column's own max_length is lower
# where it is (names, addresses), the text columns have none of their own.
NAME_MAX_LENGTH = 150
ADDRESS_MAX_LENGTH = 200
REASON_MAX_LENGTH = 300
NOTE_MAX_LENGTH = 5_000
LONG_TEXT_MAX_LENGTH = 10_000

_MULTILINE_ALLOWED = frozenset("\n\r\t")
_REFUSED_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})
_LINE_SEPARATORS = frozenset({"\u2028", "\u2029"})
# Letters in Unicode's eyes that nevertheless print as nothing: a value of only these is blank.
_BLANK_LOOKING = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})

INVISIBLE_MESSAGE = _(
    "Pole zawiera niedozwolony niewidoczny lub sterujący znak (%(character)s). Usuń go i wpisz "
    "tekst ponownie."
)


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` the rule refuses, or None."""
    for character in value:
        if multiline and character in _MULTILINE_ALLOWED:
            continue
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            return character
        if not multiline and character in _LINE_SEPARATORS:
            return character
    return None


def describe(character: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: how a refused character is named in a message."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X} {name}".rstrip()


def looks_blank(value: str) -> bool:
    """True for a value that shows nothing: only whitespace and invisible characters."""
    return all(
        character.isspace()
        or character in _BLANK_LOOKING
        or unicodedata.category(character) in _REFUSED_CATEGORIES
        for character in value
    )


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` normalised to NFC; ``ValidationError`` (code ``invisible_character``) when it
    holds a character the rule refuses. Blank handling is the caller's (see ``looks_blank``)."""
    character = refused_character(value, multiline=multiline)
    if character is not None:
        raise ValidationError(
            INVISIBLE_MESSAGE, code="invisible_character", params={"character": describe(character)}
        )
    return unicodedata.normalize("NFC", value)


def text_error(value: str, *, multiline: bool = False) -> str | None:
    """The message for ``value`` when it holds a refused character, or None: for services that
    collect every field's errors before raising once."""
    character = refused_character(value, multiline=multiline)
    if character is None:
        return None
    return str(INVISIBLE_MESSAGE % {"character": describe(character)})


def checked_text(field: str, value: str | None, *, multiline: bool = False) -> str:
    """For services, so that no path skips the rule: ``value`` NFC-normalised, or ``""`` when it
    only looks blank; a ``ValidationFailed`` naming ``field`` when it holds a refused character."""
    text = value or ""
    message = text_error(text, multiline=multiline)
    if message is not None:
        raise field_error(field, message, code="invisible_character")
    text = unicodedata.normalize("NFC", text)
    return "" if looks_blank(text) else text
