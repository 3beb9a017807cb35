"""The dashboard API's request and response shapes (they generate /openapi.json).

Here: GET /v1/dashboard's answer and the shapes the routes' declarations name at import. The other
routes' shapes live in the schemas_*.py modules beside this one, each loaded when one of its names is
first asked of this module (see ``__getattr__``): a cold start pays for the shapes its route uses.
"""

# Annotations evaluated as written (no `from __future__ import annotations`): as strings, pydantic
# would compile each one again into a ForwardRef, about 1 ms of this module's import.

from datetime import date, datetime
from enum import StrEnum
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from connector.domain.entities import TikTokConnection
from connector.domain.status import OrderStatus, ProductStatus

if TYPE_CHECKING:  # what __getattr__ gives, named for the type checker
    from connector.api.schemas_actions import *  # noqa: F403
    from connector.api.schemas_listing import *  # noqa: F403
    from connector.api.schemas_onboarding import *  # noqa: F403
    from connector.api.schemas_pages import *  # noqa: F403
    from connector.api.schemas_sales import *  # noqa: F403
    from connector.api.schemas_settings import *  # noqa: F403
    from connector.api.schemas_tiktok import *  # noqa: F403

# The other routes' shapes, by module (connector/api/schemas_<module>.py): imported when first named.
_ELSEWHERE = {
    name: module
    for module, names in {
        "actions": "OrderHistoryOut UploadRequest CancelRequest UpgradeRequest UpgradeOut",
        "listing": "AttributeValueIO AttributeChoiceIn ListingIn ValueOut AttributeOut ListingOut",
        "onboarding": "OnboardingStep OnboardingOut",
        "pages": "ProductOut ProductPage OrderOut OrderPage",
        "sales": "SalesFigures SalesDay SalesRates SalesPeriod TopProduct SalesOut",
        "settings": "PriceRule InventoryBuffer Dimensions CategoryMapping LocationWarehouse SettingsIO"
        " WarehouseOut LocationOut SettingsOut",
        "tiktok": "TikTokAuthorization TikTokAuthorizationRequest TikTokCompletion TikTokShopChoiceIn"
        " TikTokShopChoice TikTokConnectionOut",
    }.items()
    for name in names.split()
}


# A model is built (its validator and serializer) when first used, not at import. The parts of the
# dashboard's summary, which every page load asks for, are built at import; DashboardOut itself, on
# its route's first call.
class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class _Summary(_Out):
    """A part of GET /v1/dashboard's answer: built at import."""

    model_config = ConfigDict(defer_build=False)


class _In(BaseModel):
    model_config = ConfigDict(defer_build=True)


def _counts(name: str, statuses: type[StrEnum]) -> type[_Out]:
    """How many items each status holds, and "total": a field per status of the domain's enum."""
    fields: dict[str, Any] = {status.value: (int, ...) for status in statuses}
    return create_model(name, __base__=_Summary, **fields, total=(int, ...))


ProductCounts = _counts("ProductCounts", ProductStatus)
OrderCounts = _counts("OrderCounts", OrderStatus)


class Label(_Summary):
    id: str
    label: str


class Vocabulary(_Summary):
    """The names the page shows, in its order: statuses and activity kinds, from the domain."""

    product_statuses: list[Label]
    order_statuses: list[Label]
    final_order_statuses: list[OrderStatus]
    activity_types: list[Label]


class ActivityOut(_Summary):
    id: str
    type: str
    state: Literal["ongoing", "completed", "failed"]
    total: int
    processed: int
    succeeded: int
    failed: int
    progress_percent: int
    started_at: datetime | None
    finished_at: datetime | None
    errors: list[str]


class Activities(_Summary):
    ongoing: list[ActivityOut]
    completed: list[ActivityOut]


class UpgradeOption(_Summary):
    plan: str
    name: str
    amount: str
    products_limit: int
    orders_limit: int


class PlanOut(_Summary):
    plan: str
    name: str
    amount: str
    currency: str
    billing_date: date  # the UTC day of billing_at
    billing_at: datetime  # quotas roll over at this instant: the subscription's billing period end
    cycle_started_at: datetime
    products_limit: int
    products_used: int
    products_remaining: int
    orders_limit: int
    orders_used: int
    orders_remaining: int
    subscription_status: str
    pending_plan: str | None
    upgrade_options: list[UpgradeOption]


class Prerequisite(_Summary):
    id: str
    title: str
    help: str
    done: bool


class Faq(_Summary):
    question: str
    answer: str


class CancelReason(_Summary):
    """One of TikTok's seller cancel reasons, and the order statuses it may be given for."""

    id: str
    label: str
    statuses: list[OrderStatus]


class ConnectionHealth(_Summary):
    """The TikTok connection as the merchant should see it."""

    state: TikTokConnection
    tiktok_shop_id: str | None
    region: str | None
    # When the authorization ends (TikTok's type-7 warning, else the refresh token's expiry): the
    # merchant must authorize again before then.
    authorization_expires_at: datetime | None
    reconnect_needed: bool
    message: str | None  # why, and what to do, when something is wrong


class DashboardOut(_Out):
    shop: str
    # Models built from the enums: mypy cannot see them as types, pydantic and the OpenAPI can.
    products: ProductCounts  # type: ignore[valid-type]
    orders: OrderCounts  # type: ignore[valid-type]
    activities: Activities
    plan: PlanOut
    connection: ConnectionHealth
    prerequisites: list[Prerequisite]
    faqs: list[Faq]
    cancel_reasons: list[CancelReason]
    vocabulary: Vocabulary
    # TikTok event types whose webhooks do not reach us (registered again daily); empty when all do.
    tiktok_webhooks_missing: list[str] = []


class ActivityAccepted(_Out):
    activity: ActivityOut


class ActivityRunning(_Out):
    code: Literal["activity_running"]
    message: str
    activity: ActivityOut  # the import or upload that runs, with its progress


class ActivityRunningAnswer(_Out):
    """409: the shop runs one import and one upload at a time."""

    error: ActivityRunning


class Health(_Out):
    status: str
    dynamodb: str


if not TYPE_CHECKING:  # for the type checker the star imports above name them: a typo stays an error

    def __getattr__(name: str) -> Any:
        """A rare route's shape, its module imported on first use: Powertools asks for it when it
        first reads that route's signature, the merchant modules when they build one (PEP 562)."""
        module = _ELSEWHERE.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        shape = getattr(import_module(f"{__name__}_{module}"), name)
        globals()[name] = shape  # asked once
        return shape
