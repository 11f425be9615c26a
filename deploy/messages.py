"""Translations: `make messages` collects the Polish UI texts into the English catalogue and
compiles it.

Collecting (`makemessages`) needs GNU gettext's xgettext (Debian package gettext); compiling is
done here with polib, so the committed .mo files can be rebuilt with Python alone. The test
tests/opsplatform/test_translations.py checks that every text is translated and that each .mo
matches its .po.
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
IGNORE = [".venv/*", ".local/*", "tests/*", "test-artifacts/*", "deploy/*"]


PACKAGES = ("platform", "tenants", "casework", "benchmarking", "tasks")


def catalogues() -> list[Path]:
    """The project's own catalogues (never those of the packages installed in .venv)."""
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).glob("**/locale/*/LC_MESSAGES/*.po")
    )


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)}")


def main() -> None:
    if "--compile-only" not in sys.argv:
        args = [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"]
        for pattern in IGNORE:
            args += ["--ignore", pattern]
        subprocess.run(args, cwd=ROOT, check=True)
    compile_all()


if __name__ == "__main__":
    main()
