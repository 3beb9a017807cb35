"""Shopify's everyday topics: products made, changed and deleted, stock levels, fulfilments."""

from __future__ import annotations

from decimal import Decimal

from connector.domain import changes
from connector.domain.changes import CatalogFacts, Change
from connector.domain.entities import Product, ProductImage, Shop, Variant
from connector.jobs import JobKind
from connector.processing.applier import Applier, Outcome, inventory_items
from connector.processing.follow_ups import job_of
from connector.webhooks.message import QueuedWebhook
from connector.webhooks.shopify import (
    FulfillmentPayload,
    InventoryLevelPayload,
    OrderFulfilledPayload,
    ProductDeletePayload,
    ProductPayload,
)


def changed_id(message: QueuedWebhook) -> str:
    """The product a products/* event is about (its id alone is validated)."""
    return ProductDeletePayload.model_validate_json(message.body).id


def product_upsert(applier: Applier, message: QueuedWebhook) -> Outcome:
    payload = ProductPayload.model_validate_json(message.body)
    facts = CatalogFacts(
        shop=message.shop,
        shopify_product_id=payload.id,
        title=payload.title,
        variants=tuple(
            Variant(
                v.id,
                sku=v.sku or "",
                price=Decimal(v.price),
                inventory=v.inventory_quantity,
                inventory_item_id=v.inventory_item_id,
                options=tuple(o for o in (v.option1, v.option2, v.option3) if o is not None),
                image_id=v.image_id,
                weight_grams=v.weight_in_grams,
                compare_at_price=Decimal(v.compare_at_price) if v.compare_at_price else None,
            )
            for v in payload.variants
        ),
        updated_at=int(payload.updated_at.timestamp()),
        description=payload.body_html or "",
        images=tuple(ProductImage(image.id or image.src, image.src) for image in payload.images),
        option_names=tuple(option.name for option in payload.options),
        product_type=payload.product_type or "",
        vendor=payload.vendor or "",
        shopify_status=(payload.status or "active").upper(),
    )
    created_at = int(payload.created_at.timestamp()) if payload.created_at else None
    held: list[Product | None] = [None]

    def decide(current: Product | None) -> Change[Product]:
        held[0] = current
        return changes.product_from_shopify(current, facts)

    # Follow-up work is queued before the write that records the delivery (as for orders): a crash
    # in between queues it again with the redelivery; the jobs wait until the write is there.
    return applier.change_product(
        message,
        payload.id,
        decide,
        before_commit=lambda product: _follow_up(applier, message, held[0], product, created_at),
    )


def _follow_up(
    applier: Applier, message: QueuedWebhook, before: Product | None, product: Product, created_at: int | None
) -> None:
    """A new product (to us: its products/update may come before its products/create), or one
    just made active in Shopify, is uploaded when the merchant auto-uploads; a listed one is
    kept in step (its fields, and on sale only while it is active in Shopify)."""
    shop = applier.shop(message.shop)
    if shop is None:
        return
    if product.tiktok_product_id is None:
        new = before is None and (message.topic == "products/create" or _since_install(shop, created_at))
        activated = before is not None and not before.sells_in_shopify
        if shop.settings.auto_upload and product.sells_in_shopify and (new or activated):
            ids = {"shopify_product_ids": [product.shopify_product_id]}
            applier.job(job_of(message, JobKind.UPLOAD, ids))
        return
    params = {
        "shopify_product_id": product.shopify_product_id,
        "shopify_updated_at": product.shopify_updated_at,
    }
    applier.job(job_of(message, JobKind.PRODUCT_SYNC, params))


def _since_install(shop: Shop, created_at: int | None) -> bool:
    """Made in Shopify since the app was installed (an older product comes in with the import)."""
    installed = shop.installed_at
    return created_at is not None and installed is not None and created_at >= int(installed.timestamp())


def product_delete(applier: Applier, message: QueuedWebhook) -> Outcome:
    payload = ProductDeletePayload.model_validate_json(message.body)
    listed = applier.product(message.shop, payload.id)
    if listed is not None and listed.tiktok_product_id is not None:
        # Queued before the tombstone is written: a crash in between cannot leave the listing on
        # TikTok holding a plan slot. The job waits for the tombstone and is safe to run twice.
        params = {
            "shopify_product_id": payload.id,
            "tiktok_product_id": listed.tiktok_product_id,
            "inventory_item_ids": inventory_items(listed),
        }
        applier.job(job_of(message, JobKind.REMOVE_LISTING, params))
    return applier.change_product(
        message,
        payload.id,
        lambda current: changes.product_deleted_in_shopify(current, message.shop, payload.id),
    )


def inventory_level(applier: Applier, message: QueuedWebhook) -> Outcome:
    payload = InventoryLevelPayload.model_validate_json(message.body)
    params = {
        "inventory_item_id": payload.inventory_item_id,
        "location_id": payload.location_id,
        "available": payload.available,
        "updated_at": int(payload.updated_at.timestamp()) if payload.updated_at else 0,
    }
    return applier.job_once(message, job_of(message, JobKind.INVENTORY_SYNC, params))


def fulfilled(applier: Applier, message: QueuedWebhook) -> Outcome:
    if message.topic in ("fulfillments/create", "fulfillments/update"):
        fulfillments = [FulfillmentPayload.model_validate_json(message.body)]
    else:
        fulfillments = list(OrderFulfilledPayload.model_validate_json(message.body).fulfillments)
    params = {
        "shipments": [
            {
                "shopify_order_id": f.order_id,
                "fulfillment_id": f.id,
                "tracking_company": f.tracking_company,
                "tracking_number": f.tracking_number,
                # What this fulfilment ships: its own packages get its own tracking number.
                "line_items": [{"variant_id": i.variant_id, "quantity": i.quantity} for i in f.line_items],
                "update": message.topic == "fulfillments/update",
            }
            for f in fulfillments
        ]
    }
    return applier.job_once(message, job_of(message, JobKind.SHIP_PACKAGE, params))
