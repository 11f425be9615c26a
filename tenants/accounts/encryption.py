"""Secrets at rest: Fernet (AES-128-CBC with HMAC-SHA256) under the keys of OPS_SECRETS_KEYS.

The first key encrypts; every key decrypts, so keys are rotated by putting a new one first,
re-encrypting (``manage.py rotate_secret_keys``) and then dropping the old one. A value that none
of the keys opens raises :class:`SecretUndecryptable` rather than passing ciphertext on as if it
were the secret.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# Every Fernet token starts with the version byte 0x80, base64 "gA": base32 TOTP secrets (A–Z, 2–7)
# never do, which tells an encrypted value from a plaintext one left by older versions.
FERNET_PREFIX = "gAAAAA"


class SecretUndecryptable(Exception):
    """None of the configured keys opens the value (a key was dropped too early, or it was
    never encrypted)."""


@lru_cache(maxsize=4)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _box(tuple(settings.SECRETS_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return _current().decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise SecretUndecryptable(
            "A secret cannot be decrypted with any key of OPS_SECRETS_KEYS."
        ) from exc


def is_encrypted(value: str) -> bool:
    return value.startswith(FERNET_PREFIX)


def reencrypt(ciphertext: str) -> str:
    """The same secret under the first key (a plaintext value left by older versions is
    encrypted)."""
    if not is_encrypted(ciphertext):
        return encrypt(ciphertext)
    try:
        return _current().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUndecryptable(
            "A secret cannot be decrypted with any key of OPS_SECRETS_KEYS."
        ) from exc


def encrypted_with_first_key(ciphertext: str) -> bool:
    """Whether the first key opens the value (then rotation has nothing to do for it)."""
    try:
        Fernet(settings.SECRETS_KEYS[0]).decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True
