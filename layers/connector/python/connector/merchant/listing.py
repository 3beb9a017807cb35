"""The merchant's side of a product's TikTok listing: what the category asks for, what the product
gives and lacks, and the choices that fill it (category, attributes, package size), checked against
what TikTok lists (Get Categories, Get Attributes) before they are kept."""

from __future__ import annotations

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
    ListingIncompleteError,
    ListingInputs,
    dimensions_problem,
    everything_missing,
    product_attributes,
)
from connector.listing.maker import ListingMaker
from connector.merchant.errors import NotFoundError, UnprocessableError
from connector.values import replace
from connector.wiring import Ports


def listing_form(ports: Ports, shop: Shop, product_id: str) -> schemas.ListingOut:
    product = _product(ports, shop, product_id)
    maker = ListingMaker(ports, shop, ports.tiktok_api(shop))
    try:
        category_id, source = maker.category_and_source(product)
    except ListingIncompleteError as refused:
        return _form(product, maker, None, None, list(refused.missing))
    return _form(product, maker, _category(ports, maker, category_id), source)


def choose(ports: Ports, shop: Shop, product_id: str, wanted: schemas.ListingIn) -> schemas.ListingOut:
    """Keep the merchant's choices once TikTok's category facts accept them (422 otherwise); the
    product's list of what is missing follows them."""
    product = _product(ports, shop, product_id)
    maker = ListingMaker(ports, shop, ports.tiktok_api(shop))
    if wanted.category_id is not None:
        category_id, source = wanted.category_id, "chosen"
    else:
        category_id, source = maker.category_and_source(replace(product, listing=ListingChoices()))
    facts = _category(ports, maker, category_id)
    known = {a.attribute_id: a for a in facts.attributes if a.type == PRODUCT_PROPERTY}
    size = wanted.package_dimensions
    chosen = ListingChoices(
        category_id=wanted.category_id,
        attributes=tuple(value for choice in wanted.attributes for value in _checked(known, choice)),
        package_dimensions=None
        if size is None
        else PackageDimensions(size.length_cm, size.width_cm, size.height_cm),
    )
    missing = tuple(_missing(replace(product, listing=chosen), maker, facts))

    def decide(current: Product | None) -> Change[Product]:
        if current is None or current.deleted:
            return Change(Verdict.STALE)
        changed = replace(current, listing=chosen, tiktok_category_id=category_id, missing=missing)
        return Change(Verdict.DUPLICATE) if changed == current else Change(Verdict.APPLY, changed)

    kept = change_product(ports, shop.domain, product_id, decide, first_read=product) or product
    return _form(kept, maker, facts, source)


def _product(ports: Ports, shop: Shop, product_id: str) -> Product:
    product = ports.store.get_product(shop.domain, product_id)
    if product is None or product.deleted:
        raise NotFoundError(f"product {product_id} is not in the catalog")
    return product


def _category(ports: Ports, maker: ListingMaker, category_id: str) -> CategoryFacts:
    problem = maker.leaf_category_problem(category_id)
    if problem is not None:
        raise UnprocessableError(f"category_id: {problem}")
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


def _missing(product: Product, maker: ListingMaker, facts: CategoryFacts) -> list[str]:
    return everything_missing(
        product, maker.shop, ListingInputs(maker.region, maker.shop.warehouse_id or "", facts)
    )


def _form(
    product: Product,
    maker: ListingMaker,
    facts: CategoryFacts | None,
    source: str | None,
    missing: list[str] | None = None,
) -> schemas.ListingOut:
    attributes: list[schemas.AttributeOut] = []
    dimensions_required = not maker.region.dimensions_optional
    if facts is not None:
        merchants: dict[str, list[schemas.AttributeValueIO]] = {}
        for choice in product.listing.attributes:
            merchants.setdefault(choice.attribute_id, []).append(
                _value_io(choice.value_id, choice.value_name)
            )
        from_shopify, _ = product_attributes(replace(product, listing=ListingChoices()), facts.attributes)
        shopify = {
            a.attribute_id: [_value_io(v.value_id, v.value_name) for v in a.values] for a in from_shopify
        }
        attributes = [
            schemas.AttributeOut(
                id=a.attribute_id,
                name=a.name,
                required=a.required,
                multiple=a.multiple,
                customizable=a.customizable,
                values=[schemas.ValueOut(id=v.value_id, name=v.value_name) for v in a.values],
                chosen=merchants.get(a.attribute_id, []),
                from_shopify=shopify.get(a.attribute_id, []),
            )
            for a in facts.attributes
            if a.type == PRODUCT_PROPERTY
        ]
        unsized = replace(product, listing=replace(product.listing, package_dimensions=None))
        dimensions_required = (
            dimensions_problem(unsized, Shop(maker.shop.domain), maker.region, facts.rules) is not None
        )
        missing = _missing(product, maker, facts)
    own = product.listing.package_dimensions
    return schemas.ListingOut(
        product_id=product.shopify_product_id,
        category_id=facts.category_id if facts is not None else None,
        category_source=source,  # type: ignore[arg-type]
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
