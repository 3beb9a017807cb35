"""A product's TikTok listing form: GET and PUT /v1/products/{id}/listing."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from connector.api.schemas import _In, _Out
from connector.api.schemas_settings import Dimensions, TikTokId


class AttributeValueIO(_In):
    """A listed value (by id) or the merchant's own text, where the attribute takes one."""

    model_config = ConfigDict(extra="forbid")

    value_id: TikTokId | None = None
    value_name: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_value(self) -> AttributeValueIO:
        if (self.value_id is None) == (self.value_name is None):
            raise ValueError("give value_id or value_name")
        return self


class AttributeChoiceIn(_In):
    model_config = ConfigDict(extra="forbid")

    attribute_id: TikTokId
    values: list[AttributeValueIO] = Field(min_length=1, max_length=50)


class ListingIn(_In):
    """The merchant's choices for one product's TikTok listing; each replaces what was chosen."""

    model_config = ConfigDict(extra="forbid")

    category_id: TikTokId | None = None
    attributes: list[AttributeChoiceIn] = Field(default_factory=list, max_length=100)
    package_dimensions: Dimensions | None = None


class ValueOut(_Out):
    id: str
    name: str


class AttributeOut(_Out):
    id: str
    name: str
    required: bool
    multiple: bool
    customizable: bool
    values: list[ValueOut]  # TikTok's listed values
    chosen: list[AttributeValueIO]  # the merchant's values
    from_shopify: list[AttributeValueIO]  # filled from the product's Shopify option, unless chosen


class ListingOut(_Out):
    """A product's TikTok listing form: its category, the category's product attributes, the package
    and what is still missing before it can be uploaded."""

    product_id: str
    category_id: str | None
    # chosen: the merchant's; mapped: their mapping of the product type; judged: the category of the
    # last upload; recommended: TikTok's Recommend Category.
    category_source: Literal["chosen", "mapped", "judged", "recommended"] | None
    attributes: list[AttributeOut]
    package_dimensions_required: bool
    package_dimensions: Dimensions | None
    missing: list[str]
