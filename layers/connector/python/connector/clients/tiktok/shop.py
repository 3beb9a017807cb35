"""The calls for one authorized TikTok shop (``TikTokClient.for_shop``), one method per endpoint.

Each method names the 202309 API reference it follows. A call refused with code 105002 (expired access
token) refreshes the token once, hands the new grant to ``on_refresh`` and is sent again. A code that
says the action was already done (``errors.ALREADY_DONE``) is taken as success.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from connector.clients.tiktok import parsing
from connector.clients.tiktok.errors import (
    ALREADY_DONE,
    CODE_INVALID_REQUEST,
    TikTokApiError,
    TikTokAuthorizationLostError,
    TikTokTokenExpiredError,
)
from connector.clients.tiktok.models import (
    AuthorizedShop,
    Brand,
    Cancellation,
    CategoryAttribute,
    CategoryRules,
    CreatedProduct,
    EditedProduct,
    InventoryError,
    InventoryLevel,
    JsonObject,
    NewProduct,
    OrderPage,
    PriceDetail,
    ProductActionFailure,
    ProductEdit,
    ProductPage,
    RecommendedCategory,
    ReturnPage,
    ShippingProvider,
    ShopAuth,
    ShopWebhook,
    SkuPrice,
    TikTokCategory,
    TikTokOrder,
    TikTokProduct,
    TokenGrant,
    UploadedImage,
    Warehouse,
)
from connector.clients.tiktok.transport import FormPart

if TYPE_CHECKING:
    from connector.clients.tiktok.auth import TikTokClient

logger = logging.getLogger(__name__)


class ShopClient:
    """Calls for one authorized shop; refreshes an expired access token once per call."""

    def __init__(
        self,
        client: TikTokClient,
        auth: ShopAuth,
        on_refresh: Callable[[TokenGrant], None] | None = None,
    ) -> None:
        self._client = client
        self._auth = auth
        self._on_refresh = on_refresh
        self._lock = threading.Lock()

    @property
    def auth(self) -> ShopAuth:
        return self._auth

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        form: Mapping[str, FormPart] | None = None,
        idempotent: bool,
        with_cipher: bool = True,
    ) -> JsonObject:
        def send(auth: ShopAuth) -> JsonObject:
            return self._client.api_request(
                method,
                path,
                access_token=auth.access_token,
                shop_cipher=auth.shop_cipher if with_cipher else None,
                query=query,
                body=body,
                form=form,
                idempotent=idempotent,
            )

        used = self._auth
        try:
            return send(used)
        except TikTokTokenExpiredError:
            # The call was refused, not processed, so repeating it is safe even when not idempotent.
            return send(self._refresh(used))
        except TikTokApiError as error:
            if error.code != CODE_INVALID_REQUEST:
                raise
            # 36009004 is an invalid token and a malformed request alike: a refresh tells them
            # apart. Refused, the authorization is lost (TikTokAuthorizationLostError); granted, the
            # call was not processed and is sent once more with the new token, and a malformed
            # request fails again with TikTok's own answer.
            return send(self._refresh(used))

    def _refresh(self, expired: ShopAuth) -> ShopAuth:
        with self._lock:
            if self._auth.access_token != expired.access_token:
                return self._auth  # another thread refreshed meanwhile
            try:
                grant = self._client.refresh_access_token(expired.refresh_token)
            except TikTokApiError as error:
                if error.refusal:  # a refresh token revoked or expired: only the seller can mend it
                    raise TikTokAuthorizationLostError(
                        "TikTok refused to refresh this shop's tokens"
                    ) from None
                raise
            self._auth = ShopAuth(grant.access_token, grant.refresh_token, expired.shop_cipher)
            logger.info("tiktok access token refreshed", extra={"expires": grant.access_token_expire_in})
            if self._on_refresh is not None:
                self._on_refresh(grant)
            return self._auth

    def refresh(self) -> None:
        """Refresh the access token now, before it expires (the token schedule)."""
        self._refresh(self._auth)

    # Get Authorized Shops (authorization/202309): the one call without shop_cipher.
    def get_authorized_shops(self) -> list[AuthorizedShop]:
        data = self._request("GET", "/authorization/202309/shops", idempotent=True, with_cipher=False)
        return parsing.authorized_shops(data)

    # Create Product (product/202309/products). With an idempotency_key TikTok recognizes a repeat
    # ("prevent duplicate processing of the same request"), so only then may it be sent again.
    def create_product(self, product: NewProduct) -> CreatedProduct:
        data = self._request(
            "POST",
            "/product/202309/products",
            body=product.to_body(),
            idempotent=bool(product.idempotency_key),
        )
        return parsing.created_product(data)

    # Upload Product Image (product/202309/images/upload): multipart/form-data with the file in
    # ``data`` and ``use_case``; the reference lists no shop_cipher. A repeat stores a second image
    # under a new uri, so it is not idempotent.
    def upload_image(self, data: bytes, use_case: str = "MAIN_IMAGE") -> UploadedImage:
        form: dict[str, FormPart] = {
            "data": ("image", data, "application/octet-stream"),
            "use_case": (None, use_case.encode(), "text/plain"),
        }
        answer = self._request(
            "POST", "/product/202309/images/upload", form=form, idempotent=False, with_cipher=False
        )
        return parsing.uploaded_image(answer)

    # Get Warehouse List (logistics/202309/warehouses).
    def get_warehouses(self) -> list[Warehouse]:
        data = self._request("GET", "/logistics/202309/warehouses", idempotent=True)
        return parsing.warehouses(data)

    # Get Shop Webhooks (event/202309/webhooks, GET): the shop's event types and their addresses.
    def get_shop_webhooks(self) -> list[ShopWebhook]:
        data = self._request("GET", "/event/202309/webhooks", idempotent=True)
        return parsing.shop_webhooks(data)

    # Update Shop Webhook (event/202309/webhooks, PUT): sets the address of one event type (at most
    # 255 characters), so sending it again changes nothing.
    def update_shop_webhook(self, event_type: str, address: str) -> None:
        body = {"address": address, "event_type": event_type}
        self._request("PUT", "/event/202309/webhooks", body=body, idempotent=True)

    # Delete Shop Webhook (event/202309/webhooks, DELETE): "regardless of whether webhook is
    # configured or not, the result will return success".
    def delete_shop_webhook(self, event_type: str) -> None:
        self._request("DELETE", "/event/202309/webhooks", body={"event_type": event_type}, idempotent=True)

    # Recommend Category (product/202309/categories/recommend): product_title is required; images are
    # uris from Upload Product Image. It only reads, so a repeat is harmless.
    def recommend_category(
        self,
        title: str,
        description: str = "",
        image_uris: Sequence[str] = (),
        category_version: str = "",
    ) -> RecommendedCategory:
        body: JsonObject = {"product_title": title}
        if description:
            body["description"] = description
        if image_uris:
            body["images"] = [{"uri": uri} for uri in image_uris]
        if category_version:
            body["category_version"] = category_version
        data = self._request("POST", "/product/202309/categories/recommend", body=body, idempotent=True)
        return parsing.recommended_category(data)

    # Get Categories (product/202309/categories): the shop's whole tree in one answer.
    def get_categories(self, category_version: str = "") -> list[TikTokCategory]:
        data = self._request(
            "GET", "/product/202309/categories", query=_version(category_version), idempotent=True
        )
        return parsing.categories(data)

    # Get Attributes (product/202309/categories/{category_id}/attributes): a leaf category.
    def get_attributes(self, category_id: str, category_version: str = "") -> list[CategoryAttribute]:
        data = self._request(
            "GET",
            f"/product/202309/categories/{category_id}/attributes",
            query=_version(category_version),
            idempotent=True,
        )
        return parsing.category_attributes(data)

    # Get Category Rules (product/202309/categories/{category_id}/rules): a leaf category.
    def get_category_rules(self, category_id: str, category_version: str = "") -> CategoryRules:
        data = self._request(
            "GET",
            f"/product/202309/categories/{category_id}/rules",
            query=_version(category_version),
            idempotent=True,
        )
        return parsing.category_rules(data)

    # Get Brands (product/202309/brands): page_size is required, [1-100]. A brand_name narrows the
    # list to names beginning with it, so one page is enough; otherwise every page is read.
    def get_brands(
        self,
        *,
        category_id: str = "",
        brand_name: str = "",
        category_version: str = "",
        page_size: int = 100,
    ) -> list[Brand]:
        query: dict[str, str | int] = {"page_size": page_size, **_version(category_version)}
        if category_id:
            query["category_id"] = category_id
        if brand_name:
            query["brand_name"] = brand_name
        found: list[Brand] = []
        while True:
            data = self._request("GET", "/product/202309/brands", query=query, idempotent=True)
            found += parsing.brands(data)
            token = parsing.as_str(data.get("next_page_token"))
            if brand_name or not token:
                return found
            query["page_token"] = token

    # Get Product (product/202309/products/{product_id}).
    def get_product(self, product_id: str) -> TikTokProduct:
        data = self._request("GET", f"/product/202309/products/{product_id}", idempotent=True)
        return parsing.product(data)

    # Search Products (product/202309/products/search): paging in the query, filters in the body.
    def search_products(
        self,
        *,
        status: str | None = None,
        update_time_ge: int | None = None,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> ProductPage:
        query: dict[str, str | int] = {"page_size": page_size}
        if page_token:
            query["page_token"] = page_token
        filters = {"status": status, "update_time_ge": update_time_ge}
        body = {key: value for key, value in filters.items() if value is not None}
        data = self._request(
            "POST", "/product/202309/products/search", query=query, body=body, idempotent=True
        )
        return parsing.product_page(data)

    # Activate / Deactivate Products (product/202309/products/activate|deactivate): setting a state
    # twice is harmless, so both retry like reads. Max 20 ids per call.
    def activate_products(self, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        return self._product_action("/product/202309/products/activate", product_ids, "activate_products")

    def deactivate_products(self, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        return self._product_action("/product/202309/products/deactivate", product_ids, "deactivate_products")

    def _product_action(
        self, path: str, product_ids: Sequence[str], action: str, method: str = "POST"
    ) -> list[ProductActionFailure]:
        data = self._request(method, path, body={"product_ids": list(product_ids)}, idempotent=True)
        return _not_done(parsing.action_failures(data), action)

    # Update Inventory (product/202309/products/{product_id}/inventory/update): absolute quantities,
    # so a repeat sets the same value. TikTok answers success with the SKUs it could not update in
    # data.errors; those are returned.
    def update_inventory(self, product_id: str, levels: Sequence[InventoryLevel]) -> list[InventoryError]:
        # One entry per SKU with every warehouse it is stocked in ("You must include all warehouse
        # IDs assigned to this SKU").
        by_sku: dict[str, list[JsonObject]] = {}
        for level in levels:
            by_sku.setdefault(level.sku_id, []).append(level.to_body())
        skus = [{"id": sku_id, "inventory": inventory} for sku_id, inventory in by_sku.items()]
        data = self._request(
            "POST",
            f"/product/202309/products/{product_id}/inventory/update",
            body={"skus": skus},
            idempotent=True,
        )
        return parsing.inventory_errors(data)

    # Partial Edit Product (product/202309/products/{product_id}/partial_edit): a repeat sets the
    # same values, unless it creates SKUs (those without an id): a repeat would create them again
    # under new ids and delete the first ones. The answer names every SKU, new ones with their ids.
    def partial_edit_product(self, product_id: str, edit: ProductEdit) -> EditedProduct:
        data = self._request(
            "POST",
            f"/product/202309/products/{product_id}/partial_edit",
            body=edit.to_body(),
            idempotent=not any(not sku.sku_id for sku in edit.skus or ()),
        )
        return parsing.edited_product(data)

    # Update Price (product/202309/products/{product_id}/prices/update): live SKUs only, absolute.
    def update_prices(self, product_id: str, prices: Sequence[SkuPrice]) -> None:
        self._request(
            "POST",
            f"/product/202309/products/{product_id}/prices/update",
            body={"skus": [price.to_body() for price in prices]},
            idempotent=True,
        )

    # Delete Products (product/202309/products, DELETE): up to 20 ids; deleting twice is harmless.
    def delete_products(self, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        return self._product_action("/product/202309/products", product_ids, "delete_products", "DELETE")

    # Get Shipping Providers (logistics/202309/delivery_options/{delivery_option_id}/shipping_providers).
    def get_shipping_providers(self, delivery_option_id: str) -> list[ShippingProvider]:
        data = self._request(
            "GET",
            f"/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers",
            idempotent=True,
        )
        return parsing.shipping_providers(data)

    # Get Order List (order/202309/orders/search).
    def search_orders(
        self,
        *,
        update_time_ge: int | None = None,
        update_time_lt: int | None = None,
        create_time_ge: int | None = None,
        create_time_lt: int | None = None,
        order_status: str | None = None,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: str = "update_time",
        sort_order: str = "ASC",
    ) -> OrderPage:
        query: dict[str, str | int] = {
            "page_size": page_size,
            "sort_field": sort_field,
            "sort_order": sort_order,
        }
        if page_token:
            query["page_token"] = page_token
        filters = {
            "update_time_ge": update_time_ge,
            "update_time_lt": update_time_lt,
            "create_time_ge": create_time_ge,
            "create_time_lt": create_time_lt,
            "order_status": order_status,
        }
        body = {key: value for key, value in filters.items() if value is not None}
        data = self._request("POST", "/order/202309/orders/search", query=query, body=body, idempotent=True)
        return parsing.order_page(data)

    # Get Order Detail (orders/get-order-detail.spec.json, 202507: order/202507/orders?ids=): up to
    # 50 ids, comma-separated. The recipient address is absent while UNPAID or ON_HOLD.
    def get_orders(self, order_ids: Sequence[str]) -> list[TikTokOrder]:
        if not order_ids:
            return []
        data = self._request(
            "GET", "/order/202507/orders", query={"ids": ",".join(order_ids)}, idempotent=True
        )
        return parsing.orders(data)

    def get_order(self, order_id: str) -> TikTokOrder | None:
        orders = self.get_orders([order_id])
        return orders[0] if orders else None

    # Get Price Detail (orders/get-price-detail.spec.json: GET order/202407/orders/{order_id}/price_detail).
    def get_price_detail(self, order_id: str) -> PriceDetail:
        data = self._request("GET", f"/order/202407/orders/{order_id}/price_detail", idempotent=True)
        return parsing.price_detail(data)

    # Search Returns (return-and-refund/search-returns.spec.json: POST return_refund/202309/returns/
    # search): paging and sorting in the query, filters in the body; page_size "Valid range: [10-50]".
    def search_returns(
        self,
        *,
        order_ids: Sequence[str] = (),
        return_ids: Sequence[str] = (),
        return_status: Sequence[str] = (),
        return_types: Sequence[str] = (),
        update_time_ge: int | None = None,
        update_time_lt: int | None = None,
        create_time_ge: int | None = None,
        create_time_lt: int | None = None,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: str = "update_time",
        sort_order: str = "ASC",
    ) -> ReturnPage:
        query = _page_query(page_size, page_token, sort_field, sort_order)
        body = _filters(
            order_ids=list(order_ids),
            return_ids=list(return_ids),
            return_status=list(return_status),
            return_types=list(return_types),
            update_time_ge=update_time_ge,
            update_time_lt=update_time_lt,
            create_time_ge=create_time_ge,
            create_time_lt=create_time_lt,
        )
        data = self._request(
            "POST", "/return_refund/202309/returns/search", query=query, body=body, idempotent=True
        )
        return parsing.return_page(data)

    # Cancel Order (return_refund/202309/cancellations).
    def cancel_order(
        self, order_id: str, cancel_reason: str, order_line_item_ids: Sequence[str] = ()
    ) -> Cancellation:
        body: JsonObject = {"order_id": order_id, "cancel_reason": cancel_reason}
        if order_line_item_ids:
            body["order_line_item_ids"] = list(order_line_item_ids)
        data = self._request("POST", "/return_refund/202309/cancellations", body=body, idempotent=False)
        return parsing.cancellation(data)

    # Ship Package (fulfillment/202309/packages/{package_id}/ship).
    def ship_package(
        self,
        package_id: str,
        *,
        tracking_number: str | None = None,
        shipping_provider_id: str | None = None,
        handover_method: str | None = None,
    ) -> None:
        body: JsonObject = {}
        if handover_method:
            body["handover_method"] = handover_method
        if tracking_number or shipping_provider_id:
            body["self_shipment"] = {
                "tracking_number": tracking_number or "",
                "shipping_provider_id": shipping_provider_id or "",
            }
        try:
            self._request(
                "POST", f"/fulfillment/202309/packages/{package_id}/ship", body=body, idempotent=False
            )
        except TikTokApiError as error:
            if not error.already_done("ship_package"):
                raise
            logger.info("tiktok package already shipped", extra={"code": error.code})

    # Mark Package As Shipped (fulfillment/mark-package-as-shipped.spec.json: POST fulfillment/202309/
    # orders/{order_id}/packages; US, UK, ES, IE, IT, DE, FR and JP only): the seller's own carrier
    # ships ``line_item_ids`` (all the order's when empty) under one tracking number; TikTok answers
    # the package it made of them. Not repeated on a lost answer: a repeat would be refused as already
    # shipped, which is taken as done but names no package, so "" is returned then.
    def mark_package_as_shipped(
        self,
        order_id: str,
        line_item_ids: Sequence[str],
        tracking_number: str,
        shipping_provider_id: str,
    ) -> str:
        body: JsonObject = {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id}
        if line_item_ids:
            body["order_line_item_ids"] = list(line_item_ids)
        try:
            data = self._request(
                "POST", f"/fulfillment/202309/orders/{order_id}/packages", body=body, idempotent=False
            )
        except TikTokApiError as error:
            if not error.already_done("mark_package_as_shipped"):
                raise
            logger.info("tiktok order already shipped", extra={"code": error.code})
            return ""
        shipped = parsing.shipped_package(data)
        if shipped.warning:
            logger.warning("tiktok mark package as shipped: %s", shipped.warning)
        return shipped.package_id

    # Update Shipping Info (fulfillment/update-shipping-info.spec.json: POST fulfillment/202309/orders/
    # {order_id}/shipping_info/update): a new tracking number and carrier for an order the seller
    # shipped, within 72 hours of shipping. The reference keys it by order, not package (split orders
    # use Update Package Shipping Info, which our reference set does not include). Not repeated on a
    # lost answer: "The tracking number can only be updated once" (21011051) would refuse the repeat.
    def update_shipping_info(self, order_id: str, tracking_number: str, shipping_provider_id: str) -> None:
        body = {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id}
        self._request(
            "POST", f"/fulfillment/202309/orders/{order_id}/shipping_info/update", body=body, idempotent=False
        )


def _page_query(
    page_size: int, page_token: str | None, sort_field: str, sort_order: str
) -> dict[str, str | int]:
    query: dict[str, str | int] = {"page_size": page_size, "sort_field": sort_field, "sort_order": sort_order}
    if page_token:
        query["page_token"] = page_token
    return query


def _filters(**filters: Any) -> JsonObject:
    """A search body: the filters given (no empty list, no None)."""
    return {key: value for key, value in filters.items() if value not in (None, [])}


def _version(category_version: str) -> dict[str, str | int]:
    """The category_version query parameter, left out when not given (TikTok's default, v1)."""
    return {"category_version": category_version} if category_version else {}


def _not_done(failures: list[ProductActionFailure], action: str) -> list[ProductActionFailure]:
    """The failures that are not "already done" for ``action`` (by the main or a secondary code)."""
    done = ALREADY_DONE[action]
    return [f for f in failures if f.code not in done and not any(c in done for c in f.detail_codes)]
