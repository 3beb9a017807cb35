from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from connector.crypto import TokenCipher

SECRET = "a-long-random-secret-of-at-least-32-chars"


def test_tokens_round_trip_and_ciphertexts_differ_each_time() -> None:
    cipher = TokenCipher(SECRET)
    first, second = (
        cipher.encrypt("TTP_token", "a.myshopify.com"),
        cipher.encrypt("TTP_token", "a.myshopify.com"),
    )
    assert first != second
    assert "TTP_token" not in first
    assert cipher.decrypt(first, "a.myshopify.com") == "TTP_token"


def test_a_ciphertext_moved_to_another_shop_does_not_decrypt() -> None:
    cipher = TokenCipher(SECRET)
    with pytest.raises(InvalidTag):
        cipher.decrypt(cipher.encrypt("TTP_token", "a.myshopify.com"), "b.myshopify.com")


def test_another_secret_does_not_decrypt_and_short_secrets_are_refused() -> None:
    sealed = TokenCipher(SECRET).encrypt("x", "a.myshopify.com")
    with pytest.raises(InvalidTag):
        TokenCipher(SECRET + "!").decrypt(sealed, "a.myshopify.com")
    with pytest.raises(ValueError, match="at least 32"):
        TokenCipher("short")
