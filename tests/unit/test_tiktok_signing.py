"""TikTok Shop 202309 request signing, against TikTok's published worked example and its rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connector.clients.tiktok.signing import request_signature, signature_valid, string_to_sign

# "Sign your API request" (partner.tiktokshop.com/docv2/page/sign-your-api-request), worked example.
DOC_SECRET = "e59af819cc"
DOC_PATH = "/authorization/202309/shops"
DOC_QUERY = {"app_key": "29a39d", "timestamp": "1623812664"}
DOC_STRING = b"e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
DOC_SIGN = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


def test_string_to_sign_matches_the_published_example() -> None:
    # Given the doc's secret, path and query; When the string to sign is built
    # Then it is byte for byte the doc's string
    assert string_to_sign(DOC_SECRET, DOC_PATH, DOC_QUERY) == DOC_STRING


def test_signature_matches_the_published_example() -> None:
    # Given the doc's example; When it is signed; Then the sign is the doc's lowercase hex
    assert request_signature(DOC_SECRET, DOC_PATH, DOC_QUERY) == DOC_SIGN


def test_sign_and_access_token_are_left_out_and_keys_are_sorted() -> None:
    # Given a query with sign, access_token and keys out of order
    query = {"timestamp": "1623812664", "sign": "x", "access_token": "secret", "app_key": "29a39d"}
    # When it is signed; Then it signs as the doc's example does
    assert request_signature(DOC_SECRET, DOC_PATH, query) == DOC_SIGN


def test_the_body_is_appended_after_the_parameters() -> None:
    # Given a JSON body; When the string to sign is built; Then the body comes last before the secret
    built = string_to_sign("s", "/p", {"b": "2", "a": "1"}, b'{"x":1}')
    assert built == b's/pa1b2{"x":1}s'


def test_a_multipart_body_is_not_signed() -> None:
    # Given a multipart request; When signed; Then the body does not change the signature
    with_body = request_signature("s", "/p", {"a": "1"}, b"--boundary...", multipart=True)
    assert with_body == request_signature("s", "/p", {"a": "1"})


@given(body=st.binary(min_size=1, max_size=64), index=st.integers(min_value=0, max_value=63))
def test_changing_any_body_byte_invalidates_the_signature(body: bytes, index: int) -> None:
    # Given a request signed over its body
    sign = request_signature(DOC_SECRET, DOC_PATH, DOC_QUERY, body)
    assert signature_valid(DOC_SECRET, DOC_PATH, DOC_QUERY, body, sign)
    # When one byte of the body changes
    position = index % len(body)
    changed = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
    # Then the signature no longer holds
    assert not signature_valid(DOC_SECRET, DOC_PATH, DOC_QUERY, changed, sign)


@given(value=st.text(min_size=1, max_size=20))
def test_changing_a_parameter_invalidates_the_signature(value: str) -> None:
    # Given the doc's signed request; When a signed parameter changes; Then the sign does not hold
    changed = {**DOC_QUERY, "shop_cipher": value}
    assert not signature_valid(DOC_SECRET, DOC_PATH, changed, b"", DOC_SIGN)


def test_a_missing_or_foreign_signature_is_invalid() -> None:
    # Given no signature, or one made with another secret; Then neither is valid
    assert not signature_valid(DOC_SECRET, DOC_PATH, DOC_QUERY, b"", None)
    assert not signature_valid(
        DOC_SECRET, DOC_PATH, DOC_QUERY, b"", request_signature("x", DOC_PATH, DOC_QUERY)
    )
