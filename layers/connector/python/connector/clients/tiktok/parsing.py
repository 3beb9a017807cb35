"""TikTok's JSON answers (the envelope's ``data``) read into the models.

TikTok sends some ids as JSON numbers above 2**53: ``json`` keeps them exact, and they are made
strings here. A missing field reads as "" or 0, as TikTok leaves out empty ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.clients.tiktok.models import (
    AttributeValue,
    AuthorizedShop,
    Brand,
    Cancellation,
    CategoryAttribute,
    CategoryRules,
    CreatedProduct,
    DistrictLevel,
    EditedProduct,
    InventoryError,
    InventoryLevel,
    ItemTax,
    OrderPage,
    Payment,
    PriceDetail,
    ProductActionFailure,
    ProductPage,
    RecipientAddress,
    RecommendedCategory,
    ReturnLineItem,
    ReturnPage,
    SalesAttribute,
    ShippedPackage,
    ShippingProvider,
    ShopWebhook,
    TikTokCategory,
    TikTokLineItem,
    TikTokOrder,
    TikTokProduct,
    TikTokReturn,
    TikTokSku,
    TokenGrant,
    UploadedImage,
    Warehouse,
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
        attributes = sales_attributes(sku.get("sales_attributes"))
        list_price = as_str((sku.get("list_price") or {}).get("amount"))
        parsed.append(TikTokSku(sku_id, seller_sku, as_str(amount), currency, levels, attributes, list_price))
    return tuple(parsed)


def sales_attributes(items: Any) -> tuple[SalesAttribute, ...]:
    return tuple(
        SalesAttribute(
            name=as_str(item.get("name")),
            value_name=as_str(item.get("value_name")),
            attribute_id=as_str(item.get("id")),
            value_id=as_str(item.get("value_id")),
            image_uri=as_str((item.get("sku_img") or {}).get("uri")),
        )
        for item in items or ()
    )


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
        product_status=as_str(data.get("product_status")),
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


def edited_product(data: Mapping[str, Any]) -> EditedProduct:
    audit = data.get("audit") or {}
    return EditedProduct(as_str(data.get("product_id")), skus(data.get("skus")), as_str(audit.get("status")))


def action_failures(data: Mapping[str, Any]) -> list[ProductActionFailure]:
    return [
        ProductActionFailure(
            product_id=as_str((error.get("detail") or {}).get("product_id")),
            code=as_int(error.get("code")),
            message=as_str(error.get("message")),
            detail_codes=tuple(
                as_int(extra.get("code")) for extra in (error.get("detail") or {}).get("extra_errors") or ()
            ),
        )
        for error in data.get("errors") or ()
    ]


def inventory_errors(data: Mapping[str, Any]) -> list[InventoryError]:
    """Update Inventory's ``data.errors``: the SKU's first secondary error when given (12052990 "Check
    failed" says only that one happened), else the main one."""
    found = []
    for error in data.get("errors") or ():
        detail = error.get("detail") or {}
        specific = next(iter(detail.get("extra_errors") or ()), error)
        code, message = as_int(specific.get("code")), as_str(specific.get("message"))
        found.append(InventoryError(as_str(detail.get("sku_id")), code, message))
    return found


def uploaded_image(data: Mapping[str, Any]) -> UploadedImage:
    return UploadedImage(
        uri=as_str(data.get("uri")),
        url=as_str(data.get("url")),
        width=as_int(data.get("width")),
        height=as_int(data.get("height")),
        use_case=as_str(data.get("use_case")),
    )


def warehouses(data: Mapping[str, Any]) -> list[Warehouse]:
    return [
        Warehouse(
            warehouse_id=as_str(item.get("id")),
            name=as_str(item.get("name")),
            type=as_str(item.get("type")),
            sub_type=as_str(item.get("sub_type")),
            is_default=bool(item.get("is_default", False)),
            enabled=item.get("effect_status") == "ENABLED",
        )
        for item in data.get("warehouses") or ()
    ]


def shop_webhooks(data: Mapping[str, Any]) -> list[ShopWebhook]:
    return [
        ShopWebhook(
            event_type=as_str(item.get("event_type")),
            address=as_str(item.get("address")),
            create_time=as_int(item.get("create_time")),
            update_time=as_int(item.get("update_time")),
        )
        for item in data.get("webhooks") or ()
    ]


def recommended_category(data: Mapping[str, Any]) -> RecommendedCategory:
    """The leaf TikTok recommends, named from the path it answers beside it."""
    leaf = as_str(data.get("leaf_category_id"))
    path = data.get("categories") or ()
    entry: Mapping[str, Any] = next((c for c in path if as_str(c.get("id")) == leaf), {})
    return RecommendedCategory(leaf, as_str(entry.get("name")), bool(entry.get("is_leaf", bool(leaf))))


def category_attributes(data: Mapping[str, Any]) -> list[CategoryAttribute]:
    return [
        CategoryAttribute(
            attribute_id=as_str(item.get("id")),
            name=as_str(item.get("name")),
            type=as_str(item.get("type")),
            required=bool(item.get("is_requried", False)),  # the reference's spelling
            multiple=bool(item.get("is_multiple_selection", False)),
            customizable=bool(item.get("is_customizable", False)),
            values=tuple(
                AttributeValue(as_str(value.get("id")), as_str(value.get("name")))
                for value in item.get("values") or ()
            ),
        )
        for item in data.get("attributes") or ()
    ]


def category_rules(data: Mapping[str, Any]) -> CategoryRules:
    size_chart = data.get("size_chart") or {}
    return CategoryRules(
        package_dimensions_required=bool((data.get("package_dimension") or {}).get("is_required", False)),
        size_chart_required=bool(size_chart.get("is_required", False)),
        size_chart_supported=bool(size_chart.get("is_supported", False)),
        certifications=tuple(
            (as_str(c.get("id")), as_str(c.get("name")), bool(c.get("is_required", False)))
            for c in data.get("product_certifications") or ()
        ),
    )


def brands(data: Mapping[str, Any]) -> list[Brand]:
    return [
        Brand(
            brand_id=as_str(item.get("id")),
            name=as_str(item.get("name")),
            authorized=item.get("authorized_status") == "AUTHORIZED",
            available=item.get("brand_status") == "AVAILABLE",
            t1=bool(item.get("is_t1_brand", False)),
        )
        for item in data.get("brands") or ()
    ]


def order(data: Mapping[str, Any]) -> TikTokOrder:
    """One ``orders[]`` entry of Get Order Detail (order/202507/orders) or Get Order List."""
    paid = payment(data.get("payment") or {})
    address = data.get("recipient_address")
    return TikTokOrder(
        order_id=as_str(data.get("id")),
        status=as_str(data.get("status")),
        create_time=as_int(data.get("create_time")),
        update_time=as_int(data.get("update_time")),
        is_on_hold_order=bool(data.get("is_on_hold_order", False)),
        currency=paid.currency,
        total_amount=paid.total_amount,
        cancellation_initiator=as_str(data.get("cancellation_initiator")),
        line_items=tuple(line_item(item) for item in data.get("line_items") or ()),
        package_ids=tuple(as_str(package.get("id")) for package in data.get("packages") or ()),
        shipping_type=as_str(data.get("shipping_type")),
        delivery_option_id=as_str(data.get("delivery_option_id")),
        payment=paid,
        recipient_address=recipient_address(address) if address else None,
        buyer_email=as_str(data.get("buyer_email")),
        buyer_message=as_str(data.get("buyer_message")),
        paid_time=as_int(data.get("paid_time")),
        fulfillment_type=as_str(data.get("fulfillment_type")),
        tracking_number=as_str(data.get("tracking_number")),
        shipping_provider_id=as_str(data.get("shipping_provider_id")),
    )


def line_item(item: Mapping[str, Any]) -> TikTokLineItem:
    return TikTokLineItem(
        line_item_id=as_str(item.get("id")),
        product_id=as_str(item.get("product_id")),
        sku_id=as_str(item.get("sku_id")),
        seller_sku=as_str(item.get("seller_sku")),
        sale_price=as_str(item.get("sale_price")),
        package_id=as_str(item.get("package_id")),
        product_name=as_str(item.get("product_name")),
        sku_name=as_str(item.get("sku_name")),
        original_price=as_str(item.get("original_price")),
        seller_discount=as_str(item.get("seller_discount")),
        platform_discount=as_str(item.get("platform_discount")),
        currency=as_str(item.get("currency")),
        display_status=as_str(item.get("display_status")),
        is_gift=bool(item.get("is_gift", False)),
        item_tax=tuple(
            ItemTax(as_str(tax.get("tax_type")), as_str(tax.get("tax_amount")), as_str(tax.get("tax_rate")))
            for tax in item.get("item_tax") or ()
        ),
    )


PAYMENT_FIELDS = tuple(Payment.__struct_fields__)


def payment(data: Mapping[str, Any]) -> Payment:
    """``payment``: every field of ``Payment`` is TikTok's field of the same name."""
    return Payment(**{name: as_str(data.get(name)) for name in PAYMENT_FIELDS})


def recipient_address(data: Mapping[str, Any]) -> RecipientAddress:
    return RecipientAddress(
        region_code=as_str(data.get("region_code")),
        name=as_str(data.get("name")),
        first_name=as_str(data.get("first_name")),
        last_name=as_str(data.get("last_name")),
        phone_number=as_str(data.get("phone_number")),
        address_line1=as_str(data.get("address_line1")),
        address_line2=as_str(data.get("address_line2")),
        address_line3=as_str(data.get("address_line3")),
        address_line4=as_str(data.get("address_line4")),
        postal_code=as_str(data.get("postal_code")),
        post_town=as_str(data.get("post_town")),
        district_info=tuple(
            DistrictLevel(
                as_str(level.get("address_level")),
                as_str(level.get("address_level_name")),
                as_str(level.get("address_name")),
            )
            for level in data.get("district_info") or ()
        ),
        full_address=as_str(data.get("full_address")),
        address_detail=as_str(data.get("address_detail")),
    )


PRICE_FIELDS = tuple(
    name for name in PriceDetail.__struct_fields__ if name not in ("line_item_id", "line_items")
)


def price_detail(data: Mapping[str, Any]) -> PriceDetail:
    """Get Price Detail's ``data``: every field of ``PriceDetail`` is TikTok's field of the same name."""
    lines = tuple(
        PriceDetail(**_prices(item), line_item_id=as_str(item.get("id")))
        for item in data.get("line_items") or ()
    )
    return PriceDetail(**_prices(data), line_items=lines)


def _prices(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: as_str(data.get(name)) for name in PRICE_FIELDS}


def return_page(data: Mapping[str, Any]) -> ReturnPage:
    """Search Returns' ``data``."""
    return ReturnPage(
        returns=tuple(tiktok_return(item) for item in data.get("return_orders") or ()),
        next_page_token=as_str(data.get("next_page_token")),
        total_count=as_int(data.get("total_count")),
    )


def tiktok_return(data: Mapping[str, Any]) -> TikTokReturn:
    refund = data.get("refund_amount") or {}
    return TikTokReturn(
        return_id=as_str(data.get("return_id")),
        order_id=as_str(data.get("order_id")),
        return_type=as_str(data.get("return_type")),
        return_status=as_str(data.get("return_status")),
        role=as_str(data.get("role")),
        create_time=as_int(data.get("create_time")),
        update_time=as_int(data.get("update_time")),
        line_items=tuple(
            ReturnLineItem(
                return_line_item_id=as_str(item.get("return_line_item_id")),
                order_line_item_id=as_str(item.get("order_line_item_id")),
                sku_id=as_str(item.get("sku_id")),
                seller_sku=as_str(item.get("seller_sku")),
                product_name=as_str(item.get("product_name")),
                sku_name=as_str(item.get("sku_name")),
            )
            for item in data.get("return_line_items") or ()
        ),
        refund_total=as_str(refund.get("refund_total")),
        currency=as_str(refund.get("currency")),
    )


def shipped_package(data: Mapping[str, Any]) -> ShippedPackage:
    """Mark Package As Shipped's ``data``."""
    return ShippedPackage(
        order_id=as_str(data.get("order_id")),
        package_id=as_str(data.get("package_id")),
        line_item_ids=tuple(as_str(item) for item in data.get("order_line_item_ids") or ()),
        warning=as_str((data.get("warning") or {}).get("message")),
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


def categories(data: Mapping[str, Any]) -> list[TikTokCategory]:
    return [
        TikTokCategory(
            category_id=as_str(category.get("id")),
            parent_id=as_str(category.get("parent_id")),
            name=as_str(category.get("local_name")),
            is_leaf=bool(category.get("is_leaf")),
            available="AVAILABLE" in (category.get("permission_statuses") or ()),
        )
        for category in data.get("categories") or ()
    ]
