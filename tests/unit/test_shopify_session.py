"""When a stored Shopify token is refreshed, and when the merchant's visit exchanges a new one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.domain.entities import Shop
from connector.shopify_session import needs_exchange, refresh_due

ISSUED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def expiring(lifetime: timedelta, **changes: object) -> Shop:
    fields: dict[str, object] = {
        "shopify_token_ciphertext": "access",
        "shopify_refresh_token_ciphertext": "refresh",
        "shopify_token_issued_at": ISSUED,
        "shopify_token_expires_at": ISSUED + lifetime,
    }
    return Shop(domain="a.myshopify.com", **{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lifetime", "age", "due"),
    [
        pytest.param(timedelta(hours=1), timedelta(minutes=54), False, id="hour-token-6-minutes-left"),
        pytest.param(timedelta(hours=1), timedelta(minutes=55), True, id="hour-token-5-minutes-left"),
        pytest.param(timedelta(hours=1), timedelta(hours=2), True, id="hour-token-expired"),
        pytest.param(timedelta(seconds=60), timedelta(seconds=44), False, id="minute-token-16s-left"),
        pytest.param(timedelta(seconds=60), timedelta(seconds=45), True, id="minute-token-15s-left"),
    ],
)
def test_a_token_is_refreshed_a_few_minutes_ahead_but_not_before_its_last_quarter(
    lifetime: timedelta, age: timedelta, due: bool
) -> None:
    # Given a token of this lifetime / When it is this old / Then it is due for a refresh or not
    assert refresh_due(expiring(lifetime), ISSUED + age) is due


def test_a_legacy_non_expiring_token_is_never_due_and_is_exchanged_at_the_next_visit() -> None:
    # Given a token stored before expiring tokens (no expiry, no refresh token)
    legacy = Shop(domain="a.myshopify.com", shopify_token_ciphertext="access")
    # Then it is never refreshed, and the merchant's next visit exchanges a new one
    assert not refresh_due(legacy, ISSUED + timedelta(days=400))
    assert needs_exchange(legacy)


def test_a_refused_refresh_is_exchanged_at_the_next_visit_and_a_sound_token_is_not() -> None:
    sound = expiring(timedelta(hours=1))
    assert not needs_exchange(sound)
    assert needs_exchange(expiring(timedelta(hours=1), shopify_token_refresh_refused_at=ISSUED))
    # A shop with no Shopify token at all was never installed by token exchange: nothing to renew.
    assert not needs_exchange(Shop(domain="a.myshopify.com"))
