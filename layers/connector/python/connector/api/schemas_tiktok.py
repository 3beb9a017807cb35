"""The TikTok connection's routes: authorize, complete, choose a shop, disconnect."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from connector.api.schemas import _In, _Out


class TikTokAuthorization(_Out):
    authorize_url: str
    expires_at: int


class TikTokAuthorizationRequest(_In):
    model_config = ConfigDict(extra="forbid")

    # US sellers authorize on TikTok's US host, every other region on the global one.
    seller_region: Literal["US", "OTHER"]


class TikTokCompletion(_In):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(min_length=1, max_length=1024)  # the tiktok_state the page came back with


class TikTokShopChoiceIn(_In):
    model_config = ConfigDict(extra="forbid")

    tiktok_shop_id: str = Field(min_length=1, max_length=40)


class TikTokShopChoice(_Out):
    tiktok_shop_id: str
    name: str
    region: str


class TikTokConnectionOut(_Out):
    # connected | choose (several shops: pick one with POST /v1/connections/tiktok/shop) | not_connected
    status: str
    tiktok_shop_id: str | None = None
    tiktok_shop_name: str | None = None
    shops: list[TikTokShopChoice] = []  # noqa: RUF012 - a pydantic field (ruff cannot see _Out is one)
