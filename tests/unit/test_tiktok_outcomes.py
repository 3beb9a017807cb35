"""What the TikTok client makes of TikTok's codes: the "already done" ones of each action are success,
the "internal error, try again" ones are not refusals. A stand-in for the app client answers each
call with one envelope's outcome, so every code of the tables is tried."""

from __future__ import annotations

from typing import Any

import pytest

from connector.clients.tiktok.errors import ALREADY_DONE, RETRYABLE_CODES, TikTokApiError
from connector.clients.tiktok.models import ShopAuth
from connector.clients.tiktok.shop import ShopClient


class Answers:
    """Plays TikTokClient.api_request: raises ``error`` or returns ``data``; keeps the calls."""

    def __init__(self, data: dict[str, Any] | None = None, error: TikTokApiError | None = None) -> None:
        self.data, self.error = data or {}, error
        self.calls: list[tuple[str, str]] = []

    def api_request(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        self.calls.append((method, path))
        if self.error is not None:
            raise self.error
        return self.data


def shop_with(answers: Answers) -> ShopClient:
    return ShopClient(answers, ShopAuth("token", "refresh", "cipher"))  # type: ignore[arg-type]


@pytest.mark.parametrize("code", sorted(ALREADY_DONE["ship_package"]))
def test_ship_package_already_shipped_is_success(code: int) -> None:
    # Given TikTok answering the code; When the package is shipped; Then it returns normally
    answers = Answers(error=TikTokApiError(code, ALREADY_DONE["ship_package"][code]))
    shop_with(answers).ship_package("1", tracking_number="T1", shipping_provider_id="P1")
    assert answers.calls == [("POST", "/fulfillment/202309/packages/1/ship")]


def test_ship_package_refused_otherwise() -> None:
    answers = Answers(
        error=TikTokApiError(21011041, "Cannot complete the operation when order is cancelled.")
    )
    with pytest.raises(TikTokApiError):
        shop_with(answers).ship_package("1")


def failure(product_id: str, code: int, extra: int | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"product_id": product_id}
    if extra is not None:
        detail["extra_errors"] = [{"code": extra, "message": "detail"}]
    return {"code": code, "message": "failed", "detail": detail}


@pytest.mark.parametrize("code", sorted(ALREADY_DONE["delete_products"]))
def test_delete_drops_the_products_already_gone(code: int) -> None:
    # Given one product already gone and one refused
    answers = Answers({"errors": [failure("1", code), failure("2", 12052048)]})
    # When both are deleted; Then only the refusal is reported
    failures = shop_with(answers).delete_products(["1", "2"])
    assert [(f.product_id, f.code) for f in failures] == [("2", 12052048)]


@pytest.mark.parametrize("action", ["activate_products", "deactivate_products"])
def test_activate_and_deactivate_keep_every_failure(action: str) -> None:
    # Their tables name no "already done" code: a product not in the right status is a refusal
    answers = Answers({"errors": [failure("1", 12052990, 12052901)]})
    failures = getattr(shop_with(answers), action)(["1"])
    assert [(f.product_id, f.code, f.detail_codes) for f in failures] == [("1", 12052990, (12052901,))]


def test_a_secondary_already_done_code_is_dropped_too() -> None:
    answers = Answers({"errors": [failure("1", 12052990, 12052032)]})
    assert shop_with(answers).delete_products(["1"]) == []


@pytest.mark.parametrize("code", sorted(RETRYABLE_CODES))
def test_internal_error_codes_are_not_refusals(code: int) -> None:
    error = TikTokApiError(code, RETRYABLE_CODES[code])
    assert error.internal and not error.refusal and not error.rate_limited


def test_a_refusal_stays_a_refusal() -> None:
    assert TikTokApiError(12052073, "The product price is invalid").refusal
