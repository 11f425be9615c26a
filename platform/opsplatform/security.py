"""Content-Security-Policy exceptions, kept in one place.

Every response carries the strict policy of ``CONTENT_SECURITY_POLICY`` (settings/base.py, applied
by django-csp's middleware). The only pages that need more are the Swagger API docs: they use
drf-spectacular's *split* view, so Swagger UI's start-up script is an external file (``?script``)
and ``script-src 'self'`` holds there too; what remains inline is one fixed ``<style>`` block in
drf-spectacular's template. It is allowed by its SHA-256 hash (computed here from the template
itself, so an upgrade that changes it keeps working), never by ``'unsafe-inline'``.
"""

import base64
import hashlib
import re
from typing import Any

from csp.decorators import csp_update
from django.template.loader import get_template
from drf_spectacular.views import SpectacularSwaggerSplitView

SWAGGER_TEMPLATE = "drf_spectacular/swagger_ui.html"
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def inline_style_hashes(template_name: str) -> list[str]:
    """CSP source expressions (``'sha256-…'``) for each literal ``<style>`` block of a template."""
    source: str = get_template(template_name).template.source  # type: ignore[attr-defined]  # the DTL backend's
    hashes = []
    for body in _STYLE_BLOCK.findall(source):
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return hashes


def swagger_docs_view(**initkwargs: Any) -> Any:
    """The Swagger UI page (``/api/docs/``) with the strict policy plus its one inline style."""
    view = SpectacularSwaggerSplitView.as_view(**initkwargs)
    return csp_update({"style-src": inline_style_hashes(SWAGGER_TEMPLATE)})(view)
