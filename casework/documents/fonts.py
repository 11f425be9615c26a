"""The fonts every PDF of the platform is set in: DejaVu Sans, embedded (subset) from the files
committed under the platform's static files, so Polish letters print and copy correctly whatever
fonts the reader's machine has. Declared here once for every PDF builder."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from fpdf import FPDF

FONT = "DejaVu"
FONT_FILES = {"": "fonts/DejaVuSans.ttf", "B": "fonts/DejaVuSans-Bold.ttf"}


@cache
def font_path(relative: str) -> Path:
    """A committed font: through the static-file finders, else from the platform's package."""
    found = finders.find(relative)
    if isinstance(found, list):
        found = found[0] if found else None
    path = Path(found) if found else Path(settings.PACKAGE_DIR) / "static" / relative
    if not path.is_file():
        raise FileNotFoundError(f"Brak czcionki {relative} (szukano w plikach statycznych).")
    return path


def add_fonts(pdf: FPDF) -> None:
    """Declare :data:`FONT` (regular and bold) on ``pdf``."""
    for style, relative in FONT_FILES.items():
        pdf.add_font(FONT, style, str(font_path(relative)))
