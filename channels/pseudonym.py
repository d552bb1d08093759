"""Pseudonymous sender ids (keyed HMAC) and the encryption of anything that must map back.

Rasa only ever sees `pseudonymise(...)`; raw Telegram chat ids and phone numbers are kept by
the gateway alone, Fernet-encrypted with a key derived from the same secret, and expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PSEUDONYM_HEX_CHARS = 40  # 160 bits of the HMAC-SHA256 digest

__all__ = ["InvalidToken", "SecretBox", "pseudonymise"]


def pseudonymise(secret: str, channel: str, raw_id: str) -> str:
    """The sender id Rasa sees: HMAC-SHA256 keyed by `secret` over "<channel>:<raw id>", hex."""
    digest = hmac.new(secret.encode(), f"{channel}:{raw_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_HEX_CHARS]


def _derive_key(secret: str, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return hkdf.derive(secret.encode())


class SecretBox:
    """Symmetric encryption (Fernet) with a key derived from the sender-id secret by HKDF."""

    def __init__(self, secret: str) -> None:
        key = base64.urlsafe_b64encode(_derive_key(secret, b"helpline-gateway-store-v1"))
        self._fernet = Fernet(key)

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()
