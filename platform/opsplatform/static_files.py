"""Static files (WhiteNoise) in production. No Django imports: the settings use this module."""

from typing import Any


def static_file_headers(headers: Any, path: str, url: str) -> None:
    """WhiteNoise answers before the security middleware runs: no content-type sniffing."""
    headers["X-Content-Type-Options"] = "nosniff"


def with_static_files(middleware: list[str]) -> list[str]:
    """The middleware list with WhiteNoise right after the liveness probe: /static/ is answered
    before host routing (no database query) and before anything else runs."""
    at = middleware.index("opsplatform.health.LivenessMiddleware") + 1
    return [*middleware[:at], "whitenoise.middleware.WhiteNoiseMiddleware", *middleware[at:]]
