"""The sync settings: GET and PUT /v1/settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from connector.api.schemas import _In, _Out
from connector.domain.entities import SYNC_FIELDS, BufferKind, Direction, PriceRuleKind, SyncField


class PriceRule(_In):
    model_config = ConfigDict(extra="forbid")

    kind: PriceRuleKind = PriceRuleKind.PERCENT
    direction: Direction = Direction.UP
    value: Decimal = Field(default=Decimal("0"), ge=0, le=10000, max_digits=8, decimal_places=2)

    @model_validator(mode="after")
    def _sane_percentage(self) -> PriceRule:
        if self.kind is PriceRuleKind.PERCENT and self.direction is Direction.DOWN and self.value >= 100:
            raise ValueError("a percent discount must stay below 100")
        return self


class InventoryBuffer(_In):
    model_config = ConfigDict(extra="forbid")

    kind: BufferKind = BufferKind.UNITS
    value: int = Field(default=0, ge=0, le=100000)

    @model_validator(mode="after")
    def _sane_percentage(self) -> InventoryBuffer:
        if self.kind is BufferKind.PERCENT and self.value > 100:
            raise ValueError("a percent buffer is at most 100")
        return self


class Dimensions(_In):
    """A package's outer size in whole centimetres (TikTok takes positive whole numbers)."""

    model_config = ConfigDict(extra="forbid")

    length_cm: int = Field(ge=1, le=1000)
    width_cm: int = Field(ge=1, le=1000)
    height_cm: int = Field(ge=1, le=1000)


TikTokId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9]+$")]


class CategoryMapping(_In):
    """Every product of a Shopify product type (or standard category) goes to this TikTok category."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    category_id: TikTokId


class LocationWarehouse(_In):
    """The stock of a Shopify location goes to this TikTok warehouse."""

    model_config = ConfigDict(extra="forbid")

    location_id: TikTokId  # Shopify's numeric location id
    warehouse_id: TikTokId


class SettingsIO(_In):
    model_config = ConfigDict(extra="forbid")

    sync_fields: list[SyncField] = Field(default_factory=lambda: list(SYNC_FIELDS), max_length=5)
    price_rule: PriceRule = Field(default_factory=PriceRule)
    inventory_buffer: InventoryBuffer = Field(default_factory=InventoryBuffer)
    auto_upload: bool = False
    # The TikTok warehouse listings are stocked in (one of ``warehouses``); null: the default one.
    warehouse_id: TikTokId | None = None
    package_dimensions: Dimensions | None = None  # for products that give none of their own
    category_mappings: list[CategoryMapping] = Field(default_factory=list, max_length=500)
    # Empty: every location that fulfils online orders, summed into the listing warehouse.
    location_warehouses: list[LocationWarehouse] = Field(default_factory=list, max_length=200)
    # TikTok orders created from this day on (UTC) become Shopify orders; null: from the connection.
    orders_since: date | None = None


class WarehouseOut(_Out):
    id: str
    name: str
    is_default: bool


class LocationOut(_Out):
    id: str
    name: str
    fulfills_online_orders: bool


class SettingsOut(SettingsIO):
    warehouses: list[WarehouseOut]  # the shop's TikTok sales warehouses, to choose from
    locations: list[LocationOut]  # the shop's active Shopify locations, to map
