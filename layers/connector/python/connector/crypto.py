"""Encryption of the partner tokens we store (TikTok access/refresh, Shopify offline token).

AES-256-GCM from the `cryptography` package. The 256-bit key is derived with HKDF-SHA256 from the
TOKEN_ENCRYPTION_KEY secret (any long random string, as Secrets Manager generates one). The shop's
domain is bound in as associated data, so a ciphertext copied onto another shop's profile does not
decrypt.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_KEY_PURPOSE = b"tiktok-connector partner token encryption v1"


class TokenCipher:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the token encryption secret must be at least 32 characters")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(secret.encode())
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, shop: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), shop.encode())
        return base64.b64encode(nonce + sealed).decode()

    def decrypt(self, ciphertext: str, shop: str) -> str:
        raw = base64.b64decode(ciphertext)
        return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], shop.encode()).decode()
