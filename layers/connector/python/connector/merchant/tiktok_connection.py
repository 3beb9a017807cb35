"""The merchant connects their TikTok shop: the authorize link, TikTok's redirect, and the link made
inside the merchant's own session (``connector.oauth_state`` says why).

Followed: guides/authorization-overview-202407.md (the authorize link names the app's
``service_id`` and a ``state``; US sellers authorize on TikTok's US host; the redirect goes to the
URL registered in Partner Center with ``code`` and ``state``, or ``error=auth_denied``) and
guides/connecting-shops.md (after the token exchange, Get Authorized Shops names the shops the
seller authorized: one or several).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from msgspec.structs import asdict

from connector import oauth_state
from connector.activities.parking import resume_parked
from connector.api import schemas
from connector.clients.tiktok.errors import TikTokError, outage
from connector.clients.tiktok.models import AuthorizedShop, ShopAuth, TokenGrant
from connector.connections import TikTokShopHeldError, connect_tiktok, disconnect_tiktok
from connector.domain.entities import Shop, TikTokConnection
from connector.merchant.actions import start_resync
from connector.merchant.errors import ConflictError, NotFoundError, UnprocessableError
from connector.secrets import Secret
from connector.session_tokens import Caller
from connector.wiring import Ports

# How long a grant of several shops waits for the merchant's choice.
CHOICE_SECONDS = 600


def authorization(ports: Ports, caller: Caller, us_seller: bool) -> schemas.TikTokAuthorization:
    """Where to send the merchant: TikTok's page for their region, naming our service and a state
    bound to this session."""
    settings = ports.settings
    service_id = settings.required("tiktok_service_id")
    state = oauth_state.issue(ports.store, caller, ports.secret(Secret.STATE_SIGNING_KEY))
    query = urlencode({"service_id": service_id, "state": state.value})
    return schemas.TikTokAuthorization(
        authorize_url=f"{settings.authorize_url(us_seller)}?{query}", expires_at=state.expires_at
    )


def redirect_target(ports: Ports, *, code: str | None, state: str, error: str | None) -> str:
    """TikTok's redirect (no session here): park the code beside the state, and send the browser on
    to the embedded app of the shop the state names, which finishes the link in its session."""
    key = ports.secret(Secret.STATE_SIGNING_KEY)
    if error or not code or code == "null":  # the seller declined: code=null&error=auth_denied
        shop = oauth_state.verify(state, key).shop
        outcome = {"tiktok_error": error or "auth_denied"}
    else:
        shop = oauth_state.park_code(ports.store, state, ports.cipher.encrypt(code, _code_scope(state)), key)
        outcome = {"tiktok_state": state}
    app_url = ports.settings.embedded_app_url(shop)
    return f"{app_url}{'&' if '?' in app_url else '?'}{urlencode(outcome)}"


def complete(ports: Ports, shop: Shop, caller: Caller, state: str) -> schemas.TikTokConnectionOut:
    """The merchant's page, back from TikTok: trade the parked code for tokens, read which shops the
    seller authorized, and link the one (or keep the grant while the merchant chooses)."""
    key = ports.secret(Secret.STATE_SIGNING_KEY)
    parked = ports.cipher.decrypt(oauth_state.consume(ports.store, state, caller, key), _code_scope(state))
    grant = _parked_grant(parked)
    try:
        if grant is None:
            grant = ports.tiktok.get_access_token(parked)
        authorized = ports.tiktok.for_shop(
            ShopAuth(grant.access_token, grant.refresh_token)
        ).get_authorized_shops()
    except TikTokError as error:
        if outage(error):
            # The code is used once, so the grant it gave is parked in its place: the retry after
            # the outage (503) asks TikTok only what it has not answered yet.
            kept = parked if grant is None else json.dumps({"grant": asdict(grant)})
            oauth_state.restore(ports.store, state, ports.cipher.encrypt(kept, _code_scope(state)), key)
        raise
    if not authorized:
        raise ConflictError("TikTok authorized no shop for this seller")
    if len(authorized) == 1:
        return _link(ports, shop, grant, authorized[0])
    pending = json.dumps({"grant": asdict(grant), "shops": [asdict(s) for s in authorized]})
    expires_at = int(ports.now().timestamp()) + CHOICE_SECONDS
    ports.store.save_pending_tiktok_grant(shop.domain, ports.cipher.encrypt(pending, shop.domain), expires_at)
    return schemas.TikTokConnectionOut(
        status="choose",
        shops=[
            schemas.TikTokShopChoice(tiktok_shop_id=s.shop_id, name=s.name, region=s.region)
            for s in authorized
        ],
    )


def choose(ports: Ports, shop: Shop, tiktok_shop_id: str) -> schemas.TikTokConnectionOut:
    """The merchant picked one of the shops a grant authorized."""
    taken = ports.store.take_pending_tiktok_grant(shop.domain, int(ports.now().timestamp()))
    if taken is None:
        raise NotFoundError("no TikTok authorization is waiting for a choice: connect again")
    pending = json.loads(ports.cipher.decrypt(taken, shop.domain))
    shops = [AuthorizedShop(**s) for s in pending["shops"]]
    chosen = next((s for s in shops if s.shop_id == tiktok_shop_id), None)
    if chosen is None:
        ports.store.save_pending_tiktok_grant(
            shop.domain, taken, int(ports.now().timestamp()) + CHOICE_SECONDS
        )  # a wrong id costs the merchant nothing: the grant waits again
        raise UnprocessableError("tiktok_shop_id must be one of the shops TikTok authorized")
    return _link(ports, shop, TokenGrant(**pending["grant"]), chosen)


def disconnect(ports: Ports, shop: Shop) -> schemas.TikTokConnectionOut:
    """The merchant disconnects: tokens erased, TikTok's webhooks no longer lead here, work paused."""
    if shop.tiktok_shop_id is None:
        raise ConflictError("no TikTok shop is connected")
    disconnect_tiktok(ports, shop)
    return schemas.TikTokConnectionOut(status=TikTokConnection.NOT_CONNECTED.value)


def _link(
    ports: Ports, shop: Shop, grant: TokenGrant, tiktok_shop: AuthorizedShop
) -> schemas.TikTokConnectionOut:
    try:
        connect_tiktok(
            ports,
            shop,
            tiktok_shop_id=tiktok_shop.shop_id,
            shop_cipher=tiktok_shop.cipher,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_token_expires_at=grant.access_token_expire_in,
            refresh_token_expires_at=grant.refresh_token_expire_in,
            region=tiktok_shop.region,
        )
    except TikTokShopHeldError:
        raise ConflictError(
            f"The TikTok shop {tiktok_shop.name} is connected to another Shopify store. "
            "Disconnect it in the app there first, then connect it here."
        ) from None
    if (
        shop.tiktok_shop_id == tiktok_shop.shop_id
        and shop.tiktok_connection is not TikTokConnection.CONNECTED
    ):
        # The same TikTok shop back: what waited runs, and what was dropped meanwhile is sent again.
        resume_parked(ports, shop.domain)
        start_resync(ports, shop)
    return schemas.TikTokConnectionOut(
        status=TikTokConnection.CONNECTED.value,
        tiktok_shop_id=tiktok_shop.shop_id,
        tiktok_shop_name=tiktok_shop.name,
    )


def _parked_grant(parked: str) -> TokenGrant | None:
    """The grant a state parks after an outage stopped its link, or None for TikTok's auth code."""
    if not parked.startswith('{"grant"'):
        return None
    return TokenGrant(**json.loads(parked)["grant"])


def _code_scope(state: str) -> str:
    """What a parked code's encryption is bound to: its own state (the shop is inside it)."""
    return f"oauth-code:{state}"
