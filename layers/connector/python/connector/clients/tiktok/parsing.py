"""TikTok's JSON answers (the envelope's ``data``) read into the models.

TikTok sends some ids as JSON numbers above 2**53: ``json`` keeps them exact, and they are made
strings here. A missing field reads as "" or 0, as TikTok leaves out empty ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.clients.tiktok.models import (
    AuthorizedShop,
    Cancellation,
    CreatedProduct,
    InventoryLevel,
    OrderPage,
    ProductActionFailure,
    ProductPage,
    ShippingProvider,
    TikTokLineItem,
    TikTokOrder,
    TikTokProduct,
    TikTokSku,
    TokenGrant,
)


def as_str(value: Any) -> str:
    return "" if value is None else str(value)


def as_int(value: Any) -> int:
    return int(value) if value not in (None, "") else 0


def skus(items: Any) -> tuple[TikTokSku, ...]:
    parsed = []
    for sku in items or ():
        price = sku.get("price") or {}
        sku_id = as_str(sku.get("id"))
        levels = tuple(
            InventoryLevel(sku_id, as_int(level.get("quantity")), as_str(level.get("warehouse_id")))
            for level in sku.get("inventory") or ()
        )
        amount = price.get("tax_exclusive_price") or price.get("sale_price")
        seller_sku, currency = as_str(sku.get("seller_sku")), as_str(price.get("currency"))
        parsed.append(TikTokSku(sku_id, seller_sku, as_str(amount), currency, levels))
    return tuple(parsed)


def product(data: Mapping[str, Any]) -> TikTokProduct:
    reasons = tuple(
        as_str(reason)
        for failure in data.get("audit_failed_reasons") or ()
        for reason in failure.get("reasons") or ()
    )
    return TikTokProduct(
        product_id=as_str(data.get("id")),
        status=as_str(data.get("status")),
        title=as_str(data.get("title")),
        audit_failed_reasons=reasons,
        create_time=as_int(data.get("create_time")),
        update_time=as_int(data.get("update_time")),
        skus=skus(data.get("skus")),
        description=as_str(data.get("description")),
        main_image_uris=tuple(as_str(image.get("uri")) for image in data.get("main_images") or ()),
    )


def product_page(data: Mapping[str, Any]) -> ProductPage:
    return ProductPage(
        products=tuple(product(item) for item in data.get("products") or ()),
        next_page_token=as_str(data.get("next_page_token")),
        total_count=as_int(data.get("total_count")),
    )


def created_product(data: Mapping[str, Any]) -> CreatedProduct:
    warnings = tuple(as_str(w.get("message")) for w in data.get("warnings") or ())
    return CreatedProduct(as_str(data.get("product_id")), skus(data.get("skus")), warnings)


def action_failures(data: Mapping[str, Any]) -> list[ProductActionFailure]:
    return [
        ProductActionFailure(
            product_id=as_str((error.get("detail") or {}).get("product_id")),
            code=as_int(error.get("code")),
            message=as_str(error.get("message")),
        )
        for error in data.get("errors") or ()
    ]


def order(data: Mapping[str, Any]) -> TikTokOrder:
    payment = data.get("payment") or {}
    return TikTokOrder(
        order_id=as_str(data.get("id")),
        status=as_str(data.get("status")),
        create_time=as_int(data.get("create_time")),
        update_time=as_int(data.get("update_time")),
        is_on_hold_order=bool(data.get("is_on_hold_order", False)),
        currency=as_str(payment.get("currency")),
        total_amount=as_str(payment.get("total_amount")),
        cancellation_initiator=as_str(data.get("cancellation_initiator")),
        line_items=tuple(
            TikTokLineItem(
                line_item_id=as_str(item.get("id")),
                product_id=as_str(item.get("product_id")),
                sku_id=as_str(item.get("sku_id")),
                seller_sku=as_str(item.get("seller_sku")),
                sale_price=as_str(item.get("sale_price")),
                package_id=as_str(item.get("package_id")),
            )
            for item in data.get("line_items") or ()
        ),
        package_ids=tuple(as_str(package.get("id")) for package in data.get("packages") or ()),
        shipping_type=as_str(data.get("shipping_type")),
        delivery_option_id=as_str(data.get("delivery_option_id")),
    )


def orders(data: Mapping[str, Any]) -> list[TikTokOrder]:
    return [order(item) for item in data.get("orders") or ()]


def order_page(data: Mapping[str, Any]) -> OrderPage:
    return OrderPage(
        orders=tuple(orders(data)),
        next_page_token=as_str(data.get("next_page_token")),
        total_count=as_int(data.get("total_count")),
    )


def cancellation(data: Mapping[str, Any]) -> Cancellation:
    return Cancellation(as_str(data.get("cancel_id")), as_str(data.get("cancel_status")))


def authorized_shops(data: Mapping[str, Any]) -> list[AuthorizedShop]:
    return [
        AuthorizedShop(
            shop_id=as_str(shop.get("id")),
            name=as_str(shop.get("name")),
            region=as_str(shop.get("region")),
            cipher=as_str(shop.get("cipher")),
            code=as_str(shop.get("code")),
            seller_type=as_str(shop.get("seller_type")),
        )
        for shop in data.get("shops") or ()
    ]


def shipping_providers(data: Mapping[str, Any]) -> list[ShippingProvider]:
    return [
        ShippingProvider(as_str(provider.get("id")), as_str(provider.get("name")))
        for provider in data.get("shipping_providers") or ()
    ]


def grant(data: Mapping[str, Any]) -> TokenGrant:
    return TokenGrant(
        access_token=as_str(data.get("access_token")),
        access_token_expire_in=as_int(data.get("access_token_expire_in")),
        refresh_token=as_str(data.get("refresh_token")),
        refresh_token_expire_in=as_int(data.get("refresh_token_expire_in")),
        open_id=as_str(data.get("open_id")),
        seller_name=as_str(data.get("seller_name")),
        seller_base_region=as_str(data.get("seller_base_region")),
        user_type=as_int(data.get("user_type")),
    )
