"""The merchant's side of a product's TikTok listing: what the category asks for, what the product
gives and lacks, and the choices that fill it (category, attributes, package size), checked against
what TikTok lists before they are kept."""

from __future__ import annotations

from dataclasses import replace

from connector.activities.catalog import change_product
from connector.api import schemas
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import CategoryAttribute
from connector.domain.changes import Change
from connector.domain.entities import AttributeChoice, ListingChoices, PackageDimensions, Product, Shop
from connector.domain.status import Verdict
from connector.listing.build import (
    PRODUCT_PROPERTY,
    CategoryFacts,
    ListingInputs,
    dimensions_problem,
    missing_for,
    problems_before_any_call,
    product_attributes,
)
from connector.listing.maker import ListingMaker, ListingRefusedError
from connector.listing.regions import Region
from connector.merchant.errors import NotFoundError, UnprocessableError
from connector.wiring import Ports


def listing_form(ports: Ports, shop: Shop, product_id: str) -> schemas.ListingOut:
    product = _product(ports, shop, product_id)
    maker = ListingMaker(ports, shop, ports.tiktok_api(shop))
    try:
        category_id = maker.category_of(product)
    except ListingRefusedError as refused:
        return _form(product, maker.shop, None, list(refused.missing))
    facts = _category(ports, maker, category_id)
    return _form(product, maker.shop, facts)


def choose(ports: Ports, shop: Shop, product_id: str, wanted: schemas.ListingIn) -> schemas.ListingOut:
    """Keep the merchant's choices once TikTok's category facts accept them (422 otherwise)."""
    product = _product(ports, shop, product_id)
    maker = ListingMaker(ports, shop, ports.tiktok_api(shop))
    category_id = wanted.category_id or maker.category_of(product)
    facts = _category(ports, maker, category_id)
    known = {a.attribute_id: a for a in facts.attributes if a.type == PRODUCT_PROPERTY}
    choices = [_checked(known, choice) for choice in wanted.attributes]
    dimensions = wanted.package_dimensions
    chosen = ListingChoices(
        category_id=wanted.category_id,
        attributes=tuple(c for group in choices for c in group),
        package_dimensions=None
        if dimensions is None
        else PackageDimensions(dimensions.length_cm, dimensions.width_cm, dimensions.height_cm),
    )

    def decide(current: Product | None) -> Change[Product]:
        if current is None or current.deleted:
            return Change(Verdict.STALE)
        if current.listing == chosen and current.tiktok_category_id == category_id:
            return Change(Verdict.DUPLICATE)
        return Change(Verdict.APPLY, replace(current, listing=chosen, tiktok_category_id=category_id))

    changed = change_product(ports, shop.domain, product_id, decide, first_read=product)
    return _form(changed or product, maker.shop, facts)


def _product(ports: Ports, shop: Shop, product_id: str) -> Product:
    product = ports.store.get_product(shop.domain, product_id)
    if product is None or product.deleted:
        raise NotFoundError(f"product {product_id} is not in the catalog")
    return product


def _category(ports: Ports, maker: ListingMaker, category_id: str) -> CategoryFacts:
    try:
        return ports.listing_facts.category(maker.api, maker.region, category_id)
    except TikTokApiError as refused:
        if not refused.refusal:
            raise
        raise UnprocessableError(f"category_id: TikTok Shop says {refused.message}") from None


def _checked(known: dict[str, CategoryAttribute], choice: schemas.AttributeChoiceIn) -> list[AttributeChoice]:
    attribute = known.get(choice.attribute_id)
    if attribute is None:
        raise UnprocessableError(
            f"attributes: {choice.attribute_id} is not a product attribute of the category"
        )
    if len(choice.values) > 1 and not attribute.multiple:
        raise UnprocessableError(f"attributes: {attribute.name} takes one value")
    listed = {value.value_id for value in attribute.values}
    kept = []
    for value in choice.values:
        if value.value_id is not None and value.value_id not in listed:
            raise UnprocessableError(f"attributes: {value.value_id} is not a value of {attribute.name}")
        if value.value_name is not None and not attribute.customizable:
            raise UnprocessableError(f"attributes: {attribute.name} takes one of its listed values only")
        kept.append(AttributeChoice(attribute.attribute_id, value.value_id or "", value.value_name or ""))
    return kept


def _form(
    product: Product, shop: Shop, facts: CategoryFacts | None, missing: list[str] | None = None
) -> schemas.ListingOut:
    region = Region(shop.tiktok_region or "")
    attributes: list[schemas.AttributeOut] = []
    dimensions_required = not region.dimensions_optional
    if facts is not None:
        filled, _ = product_attributes(product, facts.attributes)
        sent = {a.attribute_id: a.values for a in filled}
        attributes = [
            schemas.AttributeOut(
                id=a.attribute_id,
                name=a.name,
                required=a.required,
                multiple=a.multiple,
                customizable=a.customizable,
                values=[schemas.ValueOut(id=v.value_id, name=v.value_name) for v in a.values],
                chosen=[_value_io(v.value_id, v.value_name) for v in sent.get(a.attribute_id, ())],
            )
            for a in facts.attributes
            if a.type == PRODUCT_PROPERTY
        ]
        dimensions_required = (
            dimensions_problem(
                replace(product, listing=ListingChoices()), Shop(shop.domain), region, facts.rules
            )
            is not None
        )
        inputs = ListingInputs(region, shop.warehouse_id or "", facts)
        missing = problems_before_any_call(product, region) + missing_for(product, shop, inputs)
    own = product.listing.package_dimensions
    return schemas.ListingOut(
        product_id=product.shopify_product_id,
        category_id=facts.category_id if facts is not None else None,
        attributes=attributes,
        package_dimensions_required=dimensions_required,
        package_dimensions=None
        if own is None
        else schemas.Dimensions(length_cm=own.length_cm, width_cm=own.width_cm, height_cm=own.height_cm),
        missing=missing or [],
    )


def _value_io(value_id: str, value_name: str) -> schemas.AttributeValueIO:
    if value_id:
        return schemas.AttributeValueIO(value_id=value_id)
    return schemas.AttributeValueIO(value_name=value_name)
