"""Encryption of the partner tokens we store (TikTok access/refresh, Shopify offline token).

AES-256-GCM from the `cryptography` package, keyed by the TOKEN_ENCRYPTION_KEY secret (32 bytes,
base64). The shop's domain is bound in as associated data, so a ciphertext copied onto another
shop's profile does not decrypt.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from connector.secrets import Secret, get_secret

_NONCE_BYTES = 12


class TokenCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the token encryption key must be 32 bytes")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, shop: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), shop.encode())
        return base64.b64encode(nonce + sealed).decode()

    def decrypt(self, ciphertext: str, shop: str) -> str:
        raw = base64.b64decode(ciphertext)
        return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], shop.encode()).decode()


@lru_cache(maxsize=1)
def token_cipher() -> TokenCipher:
    return TokenCipher(base64.b64decode(get_secret(Secret.TOKEN_ENCRYPTION_KEY)))
