"""Encryption of SECRET inputs at rest, compatible with Kestra's AES/GCM format.

The key is `KESTRA_ENCRYPTION_SECRET_KEY` (at least 32 characters; its first 32 bytes are the
AES-256 key, as in Kestra). The stored value is base64(12-byte nonce + ciphertext + tag).
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class EncryptionNotConfigured(RuntimeError):
    pass


def _key() -> bytes:
    key = settings.KESTRA["ENCRYPTION_SECRET_KEY"]
    if not key:
        raise EncryptionNotConfigured(
            "SECRET inputs need an encryption key: set KESTRA_ENCRYPTION_SECRET_KEY"
        )
    raw = key.encode()
    if len(raw) < 32:
        raise EncryptionNotConfigured("KESTRA_ENCRYPTION_SECRET_KEY must be 32 characters or more")
    return raw[:32]


def configured() -> bool:
    return bool(settings.KESTRA["ENCRYPTION_SECRET_KEY"])


def encrypt(plain: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, plain.encode(), None)
    return base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    data = base64.b64decode(token)
    return AESGCM(_key()).decrypt(data[:12], data[12:], None).decode()
