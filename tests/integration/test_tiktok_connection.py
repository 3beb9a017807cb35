"""Connecting TikTok Shop over HTTP, as a merchant does it and as an attacker would try it: the
authorize link, TikTok's redirect, the link made in the merchant's own session, and the
connection's health when TikTok stops accepting us."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connector import oauth_state
from connector.domain.entities import Product, TikTokConnection
from local.dynamodb import LOCAL_APP_CONFIG
from local.sandboxes.tiktok import TikTokSandbox
from tests.helpers import ConnectedCatalog, LocalStack, session_token, shop_items

pytestmark = pytest.mark.integration


def call(
    stack: LocalStack, method: str, path: str, *, shop: str | None = None, user: str = "7", **kw: Any
) -> Any:
    """A dashboard call with a session token of ``shop`` (the stack's by default) and staff ``user``."""
    token = session_token(shop or stack.shop, sub=user)
    return requests.request(
        method, stack.api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30, **kw
    )


def authorize(stack: LocalStack, region: str = "US", **kw: Any) -> str:
    answer = call(stack, "POST", "/v1/connections/tiktok", json={"seller_region": region}, **kw)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["authorize_url"])


def seller_approves(authorize_url: str, tiktok_shop_id: str, decision: str = "approve") -> requests.Response:
    """The seller signs in on TikTok's page and decides: TikTok's redirect, as the browser follows
    it to our callback (not further)."""
    page = requests.get(
        authorize_url,
        params={"shop_id": tiktok_shop_id, "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code == 302, page.text
    return requests.get(page.headers["Location"], allow_redirects=False, timeout=10)


def state_for_app(callback: requests.Response) -> str:
    """What the callback hands the embedded app: the state, in the app's address."""
    assert callback.status_code == 302, callback.text
    return parse_qs(urlsplit(callback.headers["Location"]).query)["tiktok_state"][0]


def complete(stack: LocalStack, state: str, **kw: Any) -> requests.Response:
    result: requests.Response = call(
        stack, "POST", "/v1/connections/tiktok/complete", json={"state": state}, **kw
    )
    return result


@pytest.mark.parametrize(("region", "host_path"), [("US", "/us/open/authorize"), ("GB", "/open/authorize")])
def test_a_shop_connects_through_its_regions_page_and_finishes_in_its_session(
    stack: LocalStack, tiktok_partner: TikTokSandbox, region: str, host_path: str
) -> None:
    # Given a merchant whose TikTok shop sells in ``region``
    call(stack, "GET", "/v1/dashboard")
    tiktok_shop = tiktok_partner.add_shop(name=f"{region} seller shop", region=region)

    # When they ask for the authorize link of their region
    url = authorize(stack, "US" if region == "US" else "OTHER")

    # Then it is TikTok's page of that region, naming the app's service id (not its app key) and a state
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == host_path
    assert query["service_id"] == [LOCAL_APP_CONFIG["TIKTOK_SERVICE_ID"]] and "app_key" not in query
    assert query["state"][0]

    # When the seller approves, TikTok's redirect reaches our callback, which links nothing yet but
    # sends the browser on to the embedded app in Shopify Admin
    callback = seller_approves(url, tiktok_shop.shop_id)
    assert urlsplit(callback.headers["Location"]).query.startswith(f"shop={stack.shop}&")
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) is None

    # And the app finishes it in the merchant's session
    linked = complete(stack, state_for_app(callback))
    assert linked.status_code == 200, linked.text
    assert linked.json() == {
        "status": "connected",
        "tiktok_shop_id": tiktok_shop.shop_id,
        "tiktok_shop_name": f"{region} seller shop",
        "shops": [],
    }
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) == stack.shop
    connection = call(stack, "GET", "/v1/dashboard").json()["connection"]
    assert (connection["state"], connection["region"], connection["reconnect_needed"]) == (
        "connected",
        region,
        False,
    )
    assert connection["authorization_expires_at"] is not None  # the refresh token's expiry, kept


def test_a_seller_signing_in_on_the_other_regions_page_is_refused_by_tiktok(
    stack: LocalStack, tiktok_partner: TikTokSandbox
) -> None:
    call(stack, "GET", "/v1/dashboard")
    us_shop = tiktok_partner.add_shop(region="US")
    page = requests.get(
        authorize(stack, "OTHER"), params={"shop_id": us_shop.shop_id}, allow_redirects=False, timeout=10
    )
    assert page.status_code == 400


def test_a_forwarded_link_cannot_be_finished_by_another_shop_or_person(
    stack: LocalStack, tiktok_partner: TikTokSandbox
) -> None:
    # Given a merchant's authorize link, approved by a TikTok seller they sent it to
    call(stack, "GET", "/v1/dashboard")
    sellers_shop = tiktok_partner.add_shop(name="Someone else's shop")
    state = state_for_app(seller_approves(authorize(stack), sellers_shop.shop_id))
    other_store = f"other-{stack.shop}"
    call(stack, "GET", "/v1/dashboard", shop=other_store)
    before = shop_items(stack.shop)

    # When another store's session, or another staff member of the same store, tries to finish it
    by_other_store = complete(stack, state, shop=other_store)
    by_other_person = complete(stack, state, user="8")

    # Then both are refused and nothing is linked anywhere
    assert (by_other_store.status_code, by_other_person.status_code) == (403, 403)
    assert stack.store.shop_for_tiktok(sellers_shop.shop_id) is None
    assert shop_items(stack.shop) == before
    other = stack.store.get_shop(other_store)
    assert other is not None and other.tiktok_connection is TikTokConnection.NOT_CONNECTED


def test_a_tiktok_shop_held_by_another_store_is_refused_and_relinking_lets_go_of_the_old_one(
    stack: LocalStack, tiktok_partner: TikTokSandbox
) -> None:
    # Given a TikTok shop linked to another Shopify store
    holder = f"holder-{stack.shop}"
    tiktok_shop = tiktok_partner.add_shop(name="Held shop")
    call(stack, "GET", "/v1/dashboard", shop=holder)
    held = complete(
        stack, state_for_app(seller_approves(authorize(stack, shop=holder), tiktok_shop.shop_id)), shop=holder
    )
    assert held.status_code == 200, held.text

    # When this store links the same TikTok shop
    call(stack, "GET", "/v1/dashboard")
    refused = complete(stack, state_for_app(seller_approves(authorize(stack), tiktok_shop.shop_id)))

    # Then it is refused with what to do, and the lookup stays the holder's
    assert refused.status_code == 409
    assert "connected to another Shopify store" in refused.json()["error"]["message"]
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) == holder
    profile = stack.store.get_shop(stack.shop)
    assert profile is not None and profile.tiktok_shop_id is None

    # When the holder re-links to another TikTok shop, it lets go of the first
    second = tiktok_partner.add_shop(name="Second shop")
    relinked = complete(
        stack, state_for_app(seller_approves(authorize(stack, shop=holder), second.shop_id)), shop=holder
    )
    assert relinked.status_code == 200
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) is None
    assert stack.store.shop_for_tiktok(second.shop_id) == holder

    # And then this store may link the first one
    linked = complete(stack, state_for_app(seller_approves(authorize(stack), tiktok_shop.shop_id)))
    assert linked.status_code == 200
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) == stack.shop


def test_a_seller_with_several_shops_chooses_one(stack: LocalStack, tiktok_partner: TikTokSandbox) -> None:
    call(stack, "GET", "/v1/dashboard")
    first = tiktok_partner.add_shop(name="First")
    second = tiktok_partner.add_shop(name="Second", seller_of=first.shop_id)

    answer = complete(stack, state_for_app(seller_approves(authorize(stack), first.shop_id)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "choose"
    assert {s["tiktok_shop_id"] for s in answer.json()["shops"]} == {first.shop_id, second.shop_id}
    assert stack.store.shop_for_tiktok(first.shop_id) is None  # nothing linked before the choice

    wrong = call(stack, "POST", "/v1/connections/tiktok/shop", json={"tiktok_shop_id": "123"})
    assert wrong.status_code == 422
    chosen = call(stack, "POST", "/v1/connections/tiktok/shop", json={"tiktok_shop_id": second.shop_id})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["tiktok_shop_name"] == "Second"
    assert stack.store.shop_for_tiktok(second.shop_id) == stack.shop
    again = call(stack, "POST", "/v1/connections/tiktok/shop", json={"tiktok_shop_id": first.shop_id})
    assert again.status_code == 404  # the grant was used


def test_malformed_forged_expired_replayed_and_declined_states_are_400s_that_link_nothing(
    stack: LocalStack, tiktok_partner: TikTokSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    call(stack, "GET", "/v1/dashboard")
    tiktok_shop = tiktok_partner.add_shop()
    callback_url = f"{stack.api_url}/auth/tiktok/callback"
    for state in ("é.ü", "not-a-state", "e30.abc", "....", "%ff"):
        answer = requests.get(
            callback_url, params={"code": "x", "state": state}, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 400, (state, answer.text)
        assert answer.json()["error"]["code"] == "invalid_state"
        assert complete(stack, state).status_code == 400

    # A replayed redirect: the code is parked once; the state is consumed once
    url = authorize(stack)
    page = requests.get(url, params={"shop_id": tiktok_shop.shop_id}, allow_redirects=False, timeout=10)
    first = requests.get(page.headers["Location"], allow_redirects=False, timeout=10)
    replayed = requests.get(page.headers["Location"], allow_redirects=False, timeout=10)
    assert (first.status_code, replayed.status_code) == (302, 400)
    state = state_for_app(first)
    assert complete(stack, state).status_code == 200
    assert complete(stack, state).status_code == 400

    # Declined: back to the app with the reason, nothing parked
    declined = seller_approves(authorize(stack), tiktok_shop.shop_id, decision="deny")
    assert parse_qs(urlsplit(declined.headers["Location"]).query)["tiktok_error"] == ["auth_denied"]

    monkeypatch.setattr(oauth_state, "LIFETIME_SECONDS", -1)
    expired_state = parse_qs(urlsplit(authorize(stack)).query)["state"][0]
    expired = requests.get(callback_url, params={"code": "x", "state": expired_state}, timeout=10)
    assert expired.status_code == 400 and "expired" in expired.json()["error"]["message"]


def tiktok_quantity(stack: LocalStack, product: Product) -> int:
    skus = stack.tiktok.products[product.tiktok_product_id or ""]["skus"]
    sku_id = product.tiktok_sku_of(product.variants[0].variant_id)
    return sum(level["quantity"] for sku in skus if sku["id"] == sku_id for level in sku["inventory"])


def shopify_quantity(stack: LocalStack, product: Product) -> int:
    found = stack.shopify.state(stack.shop).inventory_item(int(product.variants[0].inventory_item_id or 0))
    assert found is not None
    return sum(found[1].levels.values())


def statuses(stack: LocalStack, products: list[Product]) -> list[str]:
    found = [stack.store.get_product(stack.shop, p.shopify_product_id) for p in products]
    return [str(p.status) if p is not None else "gone" for p in found]


@pytest.mark.parametrize("webhook", ["delivered", "lost"])
def test_a_deauthorized_shop_waits_without_failing_and_reconnecting_resumes_and_resyncs_stock(
    connected_catalog: Callable[[int], ConnectedCatalog], stack: LocalStack, webhook: str
) -> None:
    # Given a connected shop with two live listings and two products not uploaded yet
    connected_catalog(6).run_import()
    listable = [
        p for p in stack.store.list_products(stack.shop, None, 10).items if p.title and p.sells_in_shopify
    ]
    products = sorted(listable, key=lambda p: p.shopify_product_id)[:4]
    live, waiting = products[:2], products[2:]
    uploaded = call(
        stack, "POST", "/v1/products/upload", json={"product_ids": [p.shopify_product_id for p in live]}
    )
    assert uploaded.status_code == 202
    stack.settle()
    profile = stack.store.get_shop(stack.shop)
    assert profile is not None and profile.tiktok_shop_id
    tiktok_shop_id = profile.tiktok_shop_id

    # When the seller removes the app on TikTok (type 6 delivered, or lost: then our next call finds out)
    if webhook == "lost":
        stack.tiktok.faults.drop_webhooks = 1
    stack.tiktok.deauthorize(tiktok_shop_id)
    stack.settle()
    # ... and meanwhile the merchant uploads the rest and Shopify's stock of a live product changes
    call(stack, "POST", "/v1/products/upload", json={"product_ids": [p.shopify_product_id for p in waiting]})
    sold = stack.store.get_product(stack.shop, live[0].shopify_product_id)
    assert sold is not None
    item = sold.variants[0].inventory_item_id or ""
    for index, location in enumerate(stack.shopify.locations(stack.shop)):  # 3 in all, at the first
        stack.shopify.set_available(stack.shop, item, location.id, 3 if index == 0 else 0)
    stack.settle()

    # Then nothing is marked Failed: the uploads wait, and the dashboard says why and what to do
    counts = call(stack, "GET", "/v1/dashboard").json()
    assert counts["products"]["failed"] == 0
    assert statuses(stack, waiting) == ["not_uploaded", "not_uploaded"]
    connection = counts["connection"]
    assert connection["state"] == ("revoked" if webhook == "delivered" else "expired")
    assert connection["reconnect_needed"] and "connect again" in connection["message"]
    assert shopify_quantity(stack, sold) == 3 and tiktok_quantity(stack, sold) != 3

    # When the merchant connects the same TikTok shop again
    state = state_for_app(seller_approves(authorize(stack), tiktok_shop_id))
    assert complete(stack, state).status_code == 200
    stack.settle()

    # Then the waiting uploads ran, the stock is TikTok's again, and still nothing failed
    after = call(stack, "GET", "/v1/dashboard").json()
    assert after["connection"]["state"] == "connected"
    assert after["products"]["failed"] == 0
    assert set(statuses(stack, waiting)) <= {"pending", "live"}
    assert tiktok_quantity(stack, sold) == 3
    assert stack.store.parked_jobs(stack.shop) == []


def test_disconnecting_lets_go_of_the_tiktok_shop_and_another_store_may_take_it(
    stack: LocalStack, tiktok_partner: TikTokSandbox
) -> None:
    # Given a store connected to a TikTok shop
    call(stack, "GET", "/v1/dashboard")
    tiktok_shop = tiktok_partner.add_shop(name="Moving shop")
    assert (
        complete(stack, state_for_app(seller_approves(authorize(stack), tiktok_shop.shop_id))).status_code
        == 200
    )

    # When the merchant disconnects it
    answer = call(stack, "DELETE", "/v1/connections/tiktok")

    # Then its tokens are gone, TikTok's webhooks no longer lead here, and the page asks to connect
    assert answer.status_code == 200 and answer.json()["status"] == "not_connected"
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) is None
    profile = stack.store.get_shop(stack.shop)
    assert profile is not None and profile.tiktok_access_token_ciphertext is None
    assert call(stack, "GET", "/v1/dashboard").json()["connection"]["state"] == "not_connected"
    assert call(stack, "DELETE", "/v1/connections/tiktok").status_code == 200  # nothing left: still fine

    # And another store may now link that TikTok shop
    other = f"next-{stack.shop}"
    call(stack, "GET", "/v1/dashboard", shop=other)
    state = state_for_app(seller_approves(authorize(stack, shop=other), tiktok_shop.shop_id))
    assert complete(stack, state, shop=other).status_code == 200
    assert stack.store.shop_for_tiktok(tiktok_shop.shop_id) == other
