"""The address of the client a request came from, seen through our own reverse proxies.

Every place that records or limits by client address (the audit trail, the log-in lock-out, the
password-reset limit, log lines) asks :func:`client_ip`, so that they all agree.

Behind nginx, ``REMOTE_ADDR`` is nginx's own address: every request would carry the same one, and
any limit per address would be shared by every user of a centre. The client's address is instead
in ``X-Forwarded-For``, which each proxy extends (or, as deploy/production/nginx.conf does,
replaces) with the address it received the request from. Only the entries our own proxies added
can be trusted: anything further left was written by whoever sent the request. So with
``TRUSTED_PROXY_HOPS = N`` (OPS_TRUSTED_PROXY_HOPS) the client is the N-th entry from the right,
and with 0 (development, or the web process reached directly) the header is ignored altogether.

If the header has fewer than N entries, or the N-th is not an IP address, the request did not
come through the proxies as configured: ``REMOTE_ADDR`` is used, which a client cannot choose.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(value: str) -> str | None:
    """The address in canonical form (IPv6 lower-case and compressed), or None if not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when not even ``REMOTE_ADDR`` holds one (a test
    client that sets none, a Unix socket)."""
    remote = _ip(str(request.META.get("REMOTE_ADDR") or ""))
    hops: int = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    # Several X-Forwarded-For headers arrive joined with ", " in one META value.
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    return _ip(forwarded[-hops]) or remote
