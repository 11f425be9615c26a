"""Static files (WhiteNoise): what every served file carries. No Django imports: the settings use it."""

from typing import Any


def static_file_headers(headers: Any, path: str, url: str) -> None:
    """WhiteNoise answers before the security middleware runs: no content-type sniffing."""
    headers["X-Content-Type-Options"] = "nosniff"
