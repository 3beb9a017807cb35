"""Conversions between storage rows and domain objects, kept apart from the queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, cast

from connector.dal import keys
from connector.dal.rows import (
    ActivityRow,
    AttributeChoiceMap,
    CategoryMappingMap,
    DimensionsMap,
    ImageMap,
    ListingChoicesMap,
    LocationWarehouseMap,
    OrderRow,
    PlanRow,
    ProductRow,
    SaleLineMap,
    SaleMap,
    ShopRow,
    SubscriptionMap,
    SyncSettingsMap,
    VariantMap,
    WarehouseMap,
)
from connector.domain.entities import (
    Activity,
    ActivityState,
    ActivityType,
    AttributeChoice,
    BufferKind,
    Direction,
    InstallState,
    ListingChoices,
    Order,
    PackageDimensions,
    Plan,
    PriceRuleKind,
    Product,
    ProductImage,
    Sale,
    SaleLine,
    Shop,
    SubscriptionState,
    SyncField,
    SyncSettings,
    TikTokConnection,
    Variant,
    Warehouse,
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def shop_to_row(shop: Shop) -> ShopRow:
    s = shop.settings
    return ShopRow(
        keys.shop_pk(shop.domain),
        keys.PROFILE,
        install_state=shop.install_state.value,
        tiktok_shop_id=shop.tiktok_shop_id,
        tiktok_shop_cipher=shop.tiktok_shop_cipher,
        tiktok_connection=shop.tiktok_connection.value,
        shopify_token_ciphertext=shop.shopify_token_ciphertext,
        shopify_refresh_token_ciphertext=shop.shopify_refresh_token_ciphertext,
        shopify_token_issued_at=_iso(shop.shopify_token_issued_at),
        shopify_token_expires_at=_iso(shop.shopify_token_expires_at),
        shopify_refresh_token_expires_at=_iso(shop.shopify_refresh_token_expires_at),
        shopify_token_refresh_refused_at=_iso(shop.shopify_token_refresh_refused_at),
        tiktok_access_token_ciphertext=shop.tiktok_access_token_ciphertext,
        tiktok_refresh_token_ciphertext=shop.tiktok_refresh_token_ciphertext,
        tiktok_access_token_expires_at=_iso(shop.tiktok_access_token_expires_at),
        tiktok_refresh_token_expires_at=_iso(shop.tiktok_refresh_token_expires_at),
        tiktok_authorization_expires_at=_iso(shop.tiktok_authorization_expires_at),
        tiktok_connected_at=shop.tiktok_connected_at,
        settings=SyncSettingsMap(
            auto_upload=s.auto_upload,
            sync_fields=list(s.sync_fields),
            price_rule_kind=s.price_rule_kind.value,
            price_rule_direction=s.price_rule_direction.value,
            price_rule_value=str(s.price_rule_value),
            inventory_buffer_kind=s.inventory_buffer_kind.value,
            inventory_buffer_value=s.inventory_buffer_value,
            warehouse_id=s.warehouse_id,
            package_dimensions=_dimensions_map(s.package_dimensions),
            category_mappings=[
                CategoryMappingMap(name=name, category_id=category_id)
                for name, category_id in s.category_mappings
            ],
            location_warehouses=[
                LocationWarehouseMap(location_id=location, warehouse_id=warehouse)
                for location, warehouse in s.location_warehouses
            ],
        ),
        tiktok_region=shop.tiktok_region,
        tiktok_warehouses=[
            WarehouseMap(warehouse_id=w.warehouse_id, name=w.name, is_default=w.is_default)
            for w in shop.tiktok_warehouses
        ],
        onboarding_step=shop.onboarding_step,
        tiktok_orders_polled_until=shop.tiktok_orders_polled_until,
        orders_since=shop.orders_since,
        tiktok_deletions_polled_until=shop.tiktok_deletions_polled_until,
        tiktok_webhooks_missing=list(shop.tiktok_webhooks_missing),
        gsi2pk=keys.shops_listing_pk(shop.install_state.value),
        gsi2sk=shop.domain,
        installed_at=_iso(shop.installed_at),
        uninstalled_at=_iso(shop.uninstalled_at),
        iana_timezone=shop.iana_timezone,
        currency=shop.currency,
    )


def shop_from_row(row: ShopRow) -> Shop:
    s = row.settings
    return Shop(
        domain=row.pk.removeprefix(keys.SHOP_PREFIX),
        install_state=InstallState(row.install_state),
        tiktok_shop_id=row.tiktok_shop_id,
        tiktok_shop_cipher=row.tiktok_shop_cipher,
        tiktok_connection=TikTokConnection(row.tiktok_connection),
        shopify_token_ciphertext=row.shopify_token_ciphertext,
        shopify_refresh_token_ciphertext=row.shopify_refresh_token_ciphertext,
        shopify_token_issued_at=_from_iso(row.shopify_token_issued_at),
        shopify_token_expires_at=_from_iso(row.shopify_token_expires_at),
        shopify_refresh_token_expires_at=_from_iso(row.shopify_refresh_token_expires_at),
        shopify_token_refresh_refused_at=_from_iso(row.shopify_token_refresh_refused_at),
        tiktok_access_token_ciphertext=row.tiktok_access_token_ciphertext,
        tiktok_refresh_token_ciphertext=row.tiktok_refresh_token_ciphertext,
        tiktok_access_token_expires_at=_from_iso(row.tiktok_access_token_expires_at),
        tiktok_refresh_token_expires_at=_from_iso(row.tiktok_refresh_token_expires_at),
        tiktok_authorization_expires_at=_from_iso(row.tiktok_authorization_expires_at),
        tiktok_connected_at=int(row.tiktok_connected_at or 0),
        settings=SyncSettings(
            auto_upload=bool(s.auto_upload),
            sync_fields=cast(tuple[SyncField, ...], _strings(s.sync_fields)),
            price_rule_kind=PriceRuleKind(s.price_rule_kind),
            price_rule_direction=Direction(s.price_rule_direction),
            price_rule_value=Decimal(s.price_rule_value),
            inventory_buffer_kind=BufferKind(s.inventory_buffer_kind),
            inventory_buffer_value=int(s.inventory_buffer_value),
            warehouse_id=s.warehouse_id,
            package_dimensions=_dimensions(s.package_dimensions),
            category_mappings=tuple((m.name, m.category_id) for m in s.category_mappings or ()),
            location_warehouses=tuple((m.location_id, m.warehouse_id) for m in s.location_warehouses or ()),
        ),
        tiktok_region=row.tiktok_region,
        tiktok_warehouses=tuple(
            Warehouse(w.warehouse_id, w.name, bool(w.is_default)) for w in row.tiktok_warehouses or ()
        ),
        onboarding_step=int(row.onboarding_step),
        tiktok_orders_polled_until=int(row.tiktok_orders_polled_until or 0),
        orders_since=int(row.orders_since or 0),
        tiktok_deletions_polled_until=int(row.tiktok_deletions_polled_until or 0),
        tiktok_webhooks_missing=_strings(row.tiktok_webhooks_missing),
        installed_at=_from_iso(row.installed_at),
        uninstalled_at=_from_iso(row.uninstalled_at),
        iana_timezone=row.iana_timezone,
        currency=row.currency,
    )


def product_to_row(product: Product, version: int) -> ProductRow:
    row = ProductRow(
        keys.shop_pk(product.shop),
        keys.PRODUCT + product.shopify_product_id,
        shopify_product_id=product.shopify_product_id,
        title=product.title,
        status=product.status,
        status_time=product.status_time,
        variants=[
            VariantMap(
                variant_id=v.variant_id,
                sku=v.sku,
                price=str(v.price),
                inventory=v.inventory,
                inventory_item_id=v.inventory_item_id,
                options=list(v.options),
                image_id=v.image_id,
                weight_grams=None if v.weight_grams is None else str(v.weight_grams),
                compare_at_price=None if v.compare_at_price is None else str(v.compare_at_price),
            )
            for v in product.variants
        ],
        description=product.description,
        images=[ImageMap(image_id=i.image_id, url=i.url) for i in product.images],
        option_names=list(product.option_names),
        product_type=product.product_type,
        vendor=product.vendor,
        shopify_category=product.shopify_category,
        shopify_status=product.shopify_status,
        listing=_listing_map(product.listing),
        tiktok_category_id=product.tiktok_category_id,
        tiktok_product_id=product.tiktok_product_id,
        tiktok_skus=dict(product.tiktok_skus),
        tiktok_status=product.tiktok_status,
        failure_reason=product.failure_reason,
        edit_rejected_reason=product.edit_rejected_reason,
        missing=list(product.missing),
        waiting_reason=product.waiting_reason,
        paused_for_stock=product.paused_for_stock,
        paused_in_shopify=product.paused_in_shopify,
        stock_held=product.stock_held,
        shopify_updated_at=product.shopify_updated_at,
        deleted=product.deleted,
        listed_at=product.listed_at,
        deliveries=list(product.deliveries),
        version=version,
    )
    if not product.deleted:  # a tombstone stays out of the listings (sparse indexes)
        sort = keys.newest_first_sk(product.listing_time, product.shopify_product_id)
        row.gsi1pk = keys.listing_pk(product.shop, "PRODUCT", product.status)
        row.gsi1sk = sort
        row.gsi2pk = keys.listing_pk(product.shop, "PRODUCT")
        row.gsi2sk = sort
    return row


def product_from_row(row: ProductRow) -> Product:
    return Product(
        shop=row.pk.removeprefix(keys.SHOP_PREFIX),
        shopify_product_id=row.shopify_product_id,
        title=row.title,
        status=row.status,
        status_time=int(row.status_time),
        variants=tuple(
            Variant(
                variant_id=v.variant_id,
                sku=v.sku,
                price=Decimal(v.price),
                inventory=int(v.inventory),
                inventory_item_id=v.inventory_item_id,
                options=_strings(v.options),
                image_id=v.image_id,
                weight_grams=None if v.weight_grams is None else Decimal(v.weight_grams),
                compare_at_price=None if v.compare_at_price is None else Decimal(v.compare_at_price),
            )
            for v in row.variants or ()
        ),
        description=row.description or "",
        images=tuple(ProductImage(i.image_id, i.url) for i in row.images or ()),
        option_names=_strings(row.option_names),
        product_type=row.product_type or "",
        vendor=row.vendor or "",
        shopify_category=row.shopify_category or "",
        shopify_status=row.shopify_status or "ACTIVE",
        listing=_listing(row.listing),
        tiktok_category_id=row.tiktok_category_id,
        tiktok_product_id=row.tiktok_product_id,
        tiktok_skus=tuple(
            sorted(
                (str(k), str(v)) for k, v in (row.tiktok_skus.as_dict() if row.tiktok_skus else {}).items()
            )
        ),
        tiktok_status=row.tiktok_status,
        failure_reason=row.failure_reason,
        edit_rejected_reason=row.edit_rejected_reason,
        missing=_strings(row.missing),
        waiting_reason=row.waiting_reason,
        paused_for_stock=bool(row.paused_for_stock),
        paused_in_shopify=bool(row.paused_in_shopify),
        stock_held=bool(row.stock_held),
        shopify_updated_at=int(row.shopify_updated_at),
        deleted=bool(row.deleted),
        listed_at=int(row.listed_at),
        deliveries=_strings(row.deliveries),
        version=int(row.version),
    )


def order_to_row(order: Order, version: int) -> OrderRow:
    sort = keys.newest_first_sk(order.listing_time, order.tiktok_order_id)
    return OrderRow(
        keys.shop_pk(order.shop),
        keys.ORDER + order.tiktok_order_id,
        gsi1pk=keys.listing_pk(order.shop, "ORDER", order.status),
        gsi1sk=sort,
        gsi2pk=keys.listing_pk(order.shop, "ORDER"),
        gsi2sk=sort,
        tiktok_order_id=order.tiktok_order_id,
        status=order.status,
        tiktok_status=order.tiktok_status,
        update_time=order.update_time,
        shopify_order_id=order.shopify_order_id,
        customer_redacted=order.customer_redacted,
        cancellation_status=order.cancellation_status,
        cancellation_time=order.cancellation_time,
        return_status=order.return_status,
        return_time=order.return_time,
        held_for_quota=order.held_for_quota,
        created_at=order.created_at,
        sync_problem=order.sync_problem,
        fulfilled_by_tiktok=order.fulfilled_by_tiktok,
        unmatched_skus=list(order.unmatched_skus),
        cancelled_in_shopify=order.cancelled_in_shopify,
        returns_restocked=list(order.returns_restocked),
        sale=None if order.sale is None else _sale_map(order.sale),
        sale_counted=order.sale_counted,
        returned=_sale_lines_map(order.returned),
        returned_counted=_sale_lines_map(order.returned_counted),
        listed_at=order.listed_at,
        deliveries=list(order.deliveries),
        version=version,
    )


def _sale_map(sale: Sale) -> SaleMap:
    return SaleMap(
        day=sale.day,
        currency=sale.currency,
        units=sale.units,
        gross=str(sale.gross),
        seller_discount=str(sale.seller_discount),
        platform_discount=str(sale.platform_discount),
        shipping=str(sale.shipping),
        taxes=str(sale.taxes),
        lines=_sale_lines_map(sale.lines),
    )


def _sale_lines_map(lines: Iterable[SaleLine]) -> list[SaleLineMap]:
    return [SaleLineMap(product=line.product, units=line.units, net=str(line.net)) for line in lines]


def _sale_lines(rows: Iterable[SaleLineMap] | None) -> tuple[SaleLine, ...]:
    return tuple(SaleLine(line.product, int(line.units), Decimal(line.net)) for line in rows or ())


def _sale(row: SaleMap | None) -> Sale | None:
    if row is None:
        return None
    return Sale(
        day=row.day,
        currency=row.currency or "",
        units=int(row.units),
        gross=Decimal(row.gross),
        seller_discount=Decimal(row.seller_discount),
        platform_discount=Decimal(row.platform_discount),
        shipping=Decimal(row.shipping),
        taxes=Decimal(row.taxes),
        lines=_sale_lines(row.lines),
    )


def order_from_row(row: OrderRow) -> Order:
    return Order(
        shop=row.pk.removeprefix(keys.SHOP_PREFIX),
        tiktok_order_id=row.tiktok_order_id,
        status=row.status,
        tiktok_status=row.tiktok_status,
        update_time=int(row.update_time),
        shopify_order_id=row.shopify_order_id,
        customer_redacted=bool(row.customer_redacted),
        cancellation_status=row.cancellation_status,
        cancellation_time=int(row.cancellation_time),
        return_status=row.return_status,
        return_time=int(row.return_time),
        held_for_quota=bool(row.held_for_quota),
        created_at=int(row.created_at),
        sync_problem=row.sync_problem,
        fulfilled_by_tiktok=bool(row.fulfilled_by_tiktok),
        unmatched_skus=_strings(row.unmatched_skus),
        cancelled_in_shopify=bool(row.cancelled_in_shopify),
        returns_restocked=_strings(row.returns_restocked),
        sale=_sale(row.sale),
        sale_counted=row.sale_counted,
        returned=_sale_lines(row.returned),
        returned_counted=_sale_lines(row.returned_counted),
        listed_at=int(row.listed_at),
        deliveries=_strings(row.deliveries),
        version=int(row.version),
    )


def activity_to_row(activity: Activity) -> ActivityRow:
    return ActivityRow(
        keys.shop_pk(activity.shop),
        keys.activity_sk(activity.activity_id),
        gsi1pk=keys.listing_pk(activity.shop, "ACTIVITY", activity_listing(activity.state)),
        gsi1sk=activity.activity_id,
        gsi2pk=keys.listing_pk(activity.shop, "ACTIVITY"),
        gsi2sk=activity.activity_id,
        activity_id=activity.activity_id,
        type=activity.type.value,
        state=activity.state.value,
        total=activity.total,
        processed=activity.processed,
        succeeded=activity.succeeded,
        failed=activity.failed,
        started_at=_iso(activity.started_at),
        finished_at=_iso(activity.finished_at),
        errors=list(activity.errors),
        total_final=activity.total_final,
        resume_cursor=activity.resume_cursor,
        progressed_at=_iso(activity.progressed_at),
        resumes=activity.resumes,
    )


def activity_listing(state: ActivityState) -> str:
    """Activities list as ongoing or finished (completed and failed alike, newest first)."""
    return "ongoing" if state is ActivityState.ONGOING else "finished"


def activity_from_row(row: ActivityRow) -> Activity:
    return Activity(
        shop=row.pk.removeprefix(keys.SHOP_PREFIX),
        activity_id=row.activity_id,
        type=ActivityType(row.type),
        state=ActivityState(row.state),
        total=int(row.total),
        processed=int(row.processed),
        succeeded=int(row.succeeded),
        failed=int(row.failed),
        started_at=_from_iso(row.started_at),
        finished_at=_from_iso(row.finished_at),
        errors=_strings(row.errors),
        total_final=bool(row.total_final),
        resume_cursor=row.resume_cursor,
        progressed_at=_from_iso(row.progressed_at),
        resumes=int(row.resumes or 0),
    )


def plan_to_row(plan: Plan, version: int) -> PlanRow:
    return PlanRow(
        keys.shop_pk(plan.shop),
        keys.PLAN,
        name=plan.name,
        billing_date=plan.billing_date.isoformat(),
        billing_at=_utc_iso(plan.billing_at),
        cycle_started_at=_utc_iso(plan.cycle_started_at),
        orders_used=plan.orders_used,
        products_used=plan.products_used,
        subscription_status=plan.subscription_status,
        subscriptions=[
            SubscriptionMap(
                id=s.id,
                name=s.name,
                status=s.status,
                created_at=_utc_iso(s.created_at),
                updated_at=_utc_iso(s.updated_at),
            )
            for s in plan.subscriptions
        ],
        pending_plan=plan.pending_plan,
        version=version,
        gsi1pk=keys.plans_due_pk(plan.billing_date.isoformat()),
        gsi1sk=plan.shop,
    )


def plan_from_row(row: PlanRow) -> Plan:
    # Rows written before billing instants held days: the cycle turned at their UTC midnight.
    billing_at = _from_iso(row.billing_at) or _midnight(row.billing_date)
    return Plan(
        shop=row.pk.removeprefix(keys.SHOP_PREFIX),
        name=row.name,
        billing_at=billing_at,
        cycle_started_at=_from_iso(row.cycle_started_at) or _midnight(row.cycle_started or row.billing_date),
        orders_used=int(row.orders_used),
        products_used=int(row.products_used or 0),
        subscription_status=row.subscription_status,
        subscriptions=tuple(
            SubscriptionState(
                id=s.id,
                name=s.name,
                status=s.status,
                created_at=datetime.fromisoformat(s.created_at),
                updated_at=datetime.fromisoformat(s.updated_at),
            )
            for s in row.subscriptions or ()
        ),
        pending_plan=row.pending_plan,
        version=int(row.version),
    )


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _midnight(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(), UTC)


def _dimensions_map(dimensions: PackageDimensions | None) -> DimensionsMap | None:
    if dimensions is None:
        return None
    return DimensionsMap(
        length_cm=dimensions.length_cm, width_cm=dimensions.width_cm, height_cm=dimensions.height_cm
    )


def _dimensions(stored: DimensionsMap | None) -> PackageDimensions | None:
    if stored is None:
        return None
    return PackageDimensions(int(stored.length_cm), int(stored.width_cm), int(stored.height_cm))


def _listing_map(listing: ListingChoices) -> ListingChoicesMap | None:
    if listing == ListingChoices():
        return None  # most products: nothing chosen, nothing stored
    return ListingChoicesMap(
        category_id=listing.category_id,
        attributes=[
            AttributeChoiceMap(attribute_id=a.attribute_id, value_id=a.value_id, value_name=a.value_name)
            for a in listing.attributes
        ],
        package_dimensions=_dimensions_map(listing.package_dimensions),
    )


def _listing(stored: ListingChoicesMap | None) -> ListingChoices:
    if stored is None:
        return ListingChoices()
    return ListingChoices(
        category_id=stored.category_id,
        attributes=tuple(
            AttributeChoice(a.attribute_id, a.value_id or "", a.value_name or "")
            for a in stored.attributes or ()
        ),
        package_dimensions=_dimensions(stored.package_dimensions),
    )


def _strings(values: Iterable[Any] | None) -> tuple[str, ...]:
    """A list attribute of strings (PynamoDB annotates its items as attributes, they are str)."""
    return tuple(str(value) for value in values or ())
