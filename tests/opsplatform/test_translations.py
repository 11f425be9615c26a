"""The English catalogue is complete and its compiled form is what the .po says."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The project's own catalogues, not those of installed packages in .venv.
PACKAGES = ("platform", "tenants", "casework", "benchmarking", "tasks")
CATALOGUES = sorted(
    path
    for package in PACKAGES
    for path in (ROOT / package).glob("**/locale/*/LC_MESSAGES/django.po")
)


def test_there_is_an_english_catalogue() -> None:
    assert any("/en/" in str(path) for path in CATALOGUES)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_is_translated(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    assert not missing, f"{len(missing)} untranslated texts, e.g. {missing[:5]}"
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not fuzzy, f"fuzzy translations to check: {fuzzy[:5]}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_matches(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run `make messages` to compile {po_path.name}"
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(mo_path))
    }
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural))
        for e in polib.pofile(str(po_path)).translated_entries()
    }
    assert compiled == source, "the .mo is stale: run `make messages`"
