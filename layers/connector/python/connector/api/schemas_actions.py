"""The action routes' requests and answers: upload, cancel, order history, plan upgrade."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field, model_validator

from connector.api.schemas import _In, _Out


class OrderHistoryOut(_Out):
    """What an earlier start of the order sync would bring: TikTok's orders from ``since`` up to the
    current start, each a new Shopify order (and a unit of the plan's quota)."""

    since: date
    orders: int


class UploadRequest(_In):
    """Either the products to upload, or every product not uploaded yet."""

    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    all_not_uploaded: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> UploadRequest:
        if (self.product_ids is None) == (not self.all_not_uploaded):
            raise ValueError("give product_ids or all_not_uploaded=true, not both and not neither")
        return self


class CancelRequest(_In):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=100)


class UpgradeRequest(_In):
    model_config = ConfigDict(extra="forbid")

    plan: str = Field(min_length=1, max_length=40)


class UpgradeOut(_Out):
    confirmation_url: str
