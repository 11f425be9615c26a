"""Throttling and lock-out of repeated failed log-ins (passwords and two-factor codes alike).

Failures are counted in the cache per user name and per client address (the client's own, seen
through our trusted proxies: opsplatform.client_address). The cache's key function
prefixes every key with the current schema, so the same demo user name at two centres (or at a
centre and the portal) has two separate counters: failures at one centre never lock anyone at
another. Past LOGIN_FAILURE_LIMIT failures of a user name within the window, that name is locked
for LOGIN_LOCKOUT_SECONDS, the right password included; likewise a client address past
LOGIN_IP_FAILURE_LIMIT. A successful log-in clears the user name's counter.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from opsplatform.client_address import client_ip
from opsplatform.schemas import current_schema

logger = logging.getLogger("tenants.accounts.login")


def client_address(request: HttpRequest) -> str:
    """The client's address as the lock-out and the password-reset limit count it: that of
    opsplatform.client_address.client_ip (through our trusted proxies), "unknown" without one."""
    return client_ip(request) or "unknown"


def _subjects(username: str, address: str) -> list[tuple[str, int]]:
    return [
        (f"user:{username.strip().lower()}", settings.LOGIN_FAILURE_LIMIT),
        (f"ip:{address}", settings.LOGIN_IP_FAILURE_LIMIT),
    ]


def _fail_key(subject: str) -> str:
    return f"accounts:login-failures:{subject}"


def _lock_key(subject: str) -> str:
    return f"accounts:login-lock:{subject}"


@dataclass(frozen=True)
class Locked:
    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def locked(username: str, address: str) -> Locked | None:
    """The remaining lock of the user name or the address, if either is locked."""
    now = time.time()
    remaining = 0.0
    for subject, _ in _subjects(username, address):
        until = cache.get(_lock_key(subject))
        if until is not None and float(until) > now:
            remaining = max(remaining, float(until) - now)
    return Locked(seconds=math.ceil(remaining)) if remaining > 0 else None


def record_failure(username: str, address: str, *, stage: str) -> Locked | None:
    """Count one failed log-in; lock the user name or the address once past its limit."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    lock_for = settings.LOGIN_LOCKOUT_SECONDS
    schema = current_schema()
    logger.warning(
        "failed log-in",
        extra={"schema": schema, "username": username, "client": address, "stage": stage},
    )
    result: Locked | None = None
    for subject, limit in _subjects(username, address):
        key = _fail_key(subject)
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
        if count >= limit:
            cache.set(_lock_key(subject), time.time() + lock_for, lock_for)
            cache.delete(key)
            logger.warning(
                "log-in locked",
                extra={
                    "schema": schema,
                    "subject": subject,
                    "failures": count,
                    "seconds": lock_for,
                },
            )
            result = Locked(seconds=lock_for)
    return result


def record_success(username: str) -> None:
    """A successful log-in clears the user name's failures (not the address's)."""
    subject = f"user:{username.strip().lower()}"
    cache.delete_many([_fail_key(subject), _lock_key(subject)])


def failures(username: str) -> int:
    """Failures counted so far for a user name (for tests and the admin)."""
    return int(cache.get(_fail_key(f"user:{username.strip().lower()}")) or 0)


def clear_all() -> int:
    """Forget every failure and lock, and the password-reset rate counters, in every schema (the
    test suite between tests, or an operator lifting locks after an incident). Returns the number
    of keys deleted."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # Redis backend only
    keys = list(client.scan_iter(match="*:accounts:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)
