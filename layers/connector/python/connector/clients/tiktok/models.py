"""The values the TikTok Shop client takes and returns: frozen values (connector.values), no I/O.

The request bodies TikTok takes are built by the models themselves (``to_body``), in the 202309 field
names; reading TikTok's answers into these models is ``parsing``'s work.
"""

from __future__ import annotations

from typing import Any

from connector.values import Private, Value, field

JsonObject = dict[str, Any]
# An inventory quantity TikTok takes (Create Product, Update Inventory) runs from 1 to 99,999.
MAX_QUANTITY = 99_999


class TokenGrant(Private, frozen=True):
    """Tokens from Get/Refresh Access Token; the ``*_expire_in`` fields are Unix timestamps."""

    hidden = frozenset({"access_token", "refresh_token"})

    access_token: str
    access_token_expire_in: int
    refresh_token: str
    refresh_token_expire_in: int
    open_id: str
    seller_name: str
    seller_base_region: str
    user_type: int


class ShopAuth(Private, frozen=True):
    """What a per-shop handle needs: the seller's tokens and the shop's cipher."""

    hidden = frozenset({"access_token", "refresh_token"})

    access_token: str
    refresh_token: str
    shop_cipher: str = ""


class AuthorizedShop(Value, frozen=True):
    shop_id: str
    name: str
    region: str
    cipher: str
    code: str
    seller_type: str


class InventoryLevel(Value, frozen=True):
    sku_id: str
    quantity: int
    warehouse_id: str = ""

    def to_body(self) -> JsonObject:
        """The ``inventory`` entry of a SKU (the SKU id is not part of it)."""
        inventory: JsonObject = {"quantity": self.quantity}
        if self.warehouse_id:
            inventory["warehouse_id"] = self.warehouse_id
        return inventory


class TikTokSku(Value, frozen=True):
    sku_id: str
    seller_sku: str
    price: str = ""  # the tax-exclusive price TikTok holds, as a decimal string
    currency: str = ""
    inventory: tuple[InventoryLevel, ...] = ()
    sales_attributes: tuple[SalesAttribute, ...] = ()
    # skus.list_price.amount of Get Product: the list price TikTok's audit accepted, or "" (US only).
    list_price: str = ""


class TikTokProduct(Value, frozen=True):
    product_id: str
    status: str
    title: str
    audit_failed_reasons: tuple[str, ...]
    create_time: int
    update_time: int
    skus: tuple[TikTokSku, ...] = ()
    description: str = ""
    main_image_uris: tuple[str, ...] = ()
    # The status apart from the audit: ACTIVATE while the live version sells, even when an edit of
    # it is audited or was refused (Get Product's product_status).
    product_status: str = ""


class SkuPrice(Value, frozen=True):
    """One ``skus[]`` entry of Update Price; ``list_price`` (US only) is sent when set."""

    sku_id: str
    amount: str
    currency: str
    list_price: str = ""

    def to_body(self) -> JsonObject:
        body: JsonObject = {"id": self.sku_id, "price": {"amount": self.amount, "currency": self.currency}}
        if self.list_price:
            body["list_price"] = {"amount": self.list_price, "currency": self.currency}
        return body


class ShippingProvider(Value, frozen=True):
    provider_id: str
    name: str


class CreatedProduct(Value, frozen=True):
    product_id: str
    skus: tuple[TikTokSku, ...]
    warnings: tuple[str, ...]


class ProductPage(Value, frozen=True):
    products: tuple[TikTokProduct, ...]
    next_page_token: str
    total_count: int


class SalesAttribute(Value, frozen=True):
    """One ``skus[].sales_attributes[]`` entry (Create Product, Partial Edit Product 202309).

    The reference: "Provide either a built-in ID or a custom name; if both are provided, the ID takes
    priority", for the attribute (``id``/``name``) and for its value (``value_id``/``value_name``), so
    only the one TikTok reads is sent. ``image_uri`` (an ATTRIBUTE_IMAGE upload) is ``sku_img``.
    """

    name: str
    value_name: str
    attribute_id: str = ""
    value_id: str = ""
    image_uri: str = ""

    def to_body(self) -> JsonObject:
        body: JsonObject = {"id": self.attribute_id} if self.attribute_id else {"name": self.name}
        if self.value_id:
            body["value_id"] = self.value_id
        else:
            body["value_name"] = self.value_name
        if self.image_uri:
            body["sku_img"] = {"uri": self.image_uri}
        return body


class AttributeValue(Value, frozen=True):
    """A product attribute's value: a built-in ``value_id`` or a custom ``value_name`` (the id wins)."""

    value_id: str = ""
    value_name: str = ""

    def to_body(self) -> JsonObject:
        return {"id": self.value_id} if self.value_id else {"name": self.value_name}


class ProductAttribute(Value, frozen=True):
    """One ``product_attributes[]`` entry: an attribute id from Get Attributes and its values."""

    attribute_id: str
    values: tuple[AttributeValue, ...]

    def to_body(self) -> JsonObject:
        return {"id": self.attribute_id, "values": [value.to_body() for value in self.values]}


class PackageDimensions(Value, frozen=True):
    """``package_dimensions``: positive whole numbers as strings; ``unit`` CENTIMETER or INCH (US
    only), in the same system as the package weight's unit."""

    length: str
    width: str
    height: str
    unit: str

    def to_body(self) -> JsonObject:
        return {"length": self.length, "width": self.width, "height": self.height, "unit": self.unit}


class NewSku(Value, frozen=True):
    """A SKU of a Create Product, or of a Partial Edit (``sku_id`` set for an existing SKU, empty for
    a new one: "To create new SKUs, leave the SKU ID blank"). ``inventory`` holds one level per
    warehouse the SKU is stocked in (``inventory[].warehouse_id`` is required: Get Warehouse List)."""

    seller_sku: str
    price: str  # decimal string, as TikTok takes it
    currency: str
    inventory: tuple[InventoryLevel, ...] = ()
    sales_attributes: tuple[SalesAttribute, ...] = ()
    sku_id: str = ""
    external_sku_id: str = ""
    # skus.list_price (US only): the strikethrough price, at or above the price or TikTok discards it.
    list_price: str = ""

    @classmethod
    def listed(cls, sku: TikTokSku, price: str | None = None, list_price: str | None = None) -> NewSku:
        """A SKU TikTok holds as Partial Edit takes it back (its id, sales attributes, warehouses
        and stock, which the edit would otherwise blank), at ``price`` and ``list_price`` when given."""
        return cls(
            seller_sku=sku.seller_sku,
            price=sku.price if price is None else price,
            currency=sku.currency,
            inventory=sku.inventory,
            sales_attributes=sku.sales_attributes,
            sku_id=sku.sku_id,
            list_price=sku.list_price if list_price is None else list_price,
        )

    def to_body(self) -> JsonObject:
        inventory = []
        for level in self.inventory:
            entry = level.to_body()
            if level.quantity < 1:
                # Create Product's quantity is optional and its range starts at 1: none in stock,
                # none sent.
                del entry["quantity"]
            inventory.append(entry)
        body: JsonObject = {"id": self.sku_id} if self.sku_id else {}
        body.update(
            seller_sku=self.seller_sku,
            price={"amount": self.price, "currency": self.currency},
            inventory=inventory,
        )
        if self.sales_attributes:
            body["sales_attributes"] = [attribute.to_body() for attribute in self.sales_attributes]
        if self.external_sku_id:
            body["external_sku_id"] = self.external_sku_id
        if self.list_price:
            body["list_price"] = {"amount": self.list_price, "currency": self.currency}
        return body


class NewProduct(Value, frozen=True):
    """The Create Product body we send (a subset of the 202309 fields)."""

    title: str
    description: str
    category_id: str
    main_image_uris: tuple[str, ...]
    skus: tuple[NewSku, ...]
    package_weight_value: str
    package_weight_unit: str = "KILOGRAM"
    brand_id: str = ""
    external_product_id: str = ""
    idempotency_key: str = ""
    category_version: str = ""  # v2 for US shops ("you must pass v2"), else v1 (the default)
    package_dimensions: PackageDimensions | None = None
    product_attributes: tuple[ProductAttribute, ...] = ()

    def to_body(self) -> JsonObject:
        body: JsonObject = {
            "title": self.title,
            "description": self.description,
            "category_id": self.category_id,
            "main_images": [{"uri": uri} for uri in self.main_image_uris],
            "skus": [sku.to_body() for sku in self.skus],
            "package_weight": {"value": self.package_weight_value, "unit": self.package_weight_unit},
        }
        optional = {
            "brand_id": self.brand_id,
            "external_product_id": self.external_product_id,
            "idempotency_key": self.idempotency_key,
            "category_version": self.category_version,
        }
        body.update({key: value for key, value in optional.items() if value})
        if self.package_dimensions is not None:
            body["package_dimensions"] = self.package_dimensions.to_body()
        if self.product_attributes:
            body["product_attributes"] = [attribute.to_body() for attribute in self.product_attributes]
        return body


class ProductEdit(Value, frozen=True):
    """A Partial Edit Product body: only the fields given are changed. ``skus``, when given, must
    list every SKU of the product, existing ones with their ``sku_id`` (TikTok deletes the ones left
    out and creates those without an id), each with its sales attributes and warehouse inventory."""

    title: str | None = None
    description: str | None = None
    main_image_uris: tuple[str, ...] | None = None
    skus: tuple[NewSku, ...] | None = None

    def to_body(self) -> JsonObject:
        body: JsonObject = {}
        if self.title is not None:
            body["title"] = self.title
        if self.description is not None:
            body["description"] = self.description
        if self.main_image_uris is not None:
            body["main_images"] = [{"uri": uri} for uri in self.main_image_uris]
        if self.skus is not None:
            body["skus"] = [sku.to_body() for sku in self.skus]
        return body


class EditedProduct(Value, frozen=True):
    """Partial Edit Product's answer: every SKU with its id (new SKUs' ids are new) and the audit."""

    product_id: str
    skus: tuple[TikTokSku, ...]
    audit_status: str  # NONE, AUDITING or APPROVED (price or stock only)


class UploadedImage(Value, frozen=True):
    """Upload Product Image's answer: ``uri`` goes in product bodies, ``url`` in description HTML."""

    uri: str
    url: str
    width: int
    height: int
    use_case: str


class ShopWebhook(Value, frozen=True):
    """One of the shop's webhook subscriptions, as Get Shop Webhooks answers it."""

    event_type: str  # ORDER_STATUS_CHANGE, PRODUCT_STATUS_CHANGE, ...
    address: str
    create_time: int
    update_time: int


class Warehouse(Value, frozen=True):
    warehouse_id: str
    name: str
    type: str  # SALES_WAREHOUSE or RETURN_WAREHOUSE
    sub_type: str
    is_default: bool
    enabled: bool  # effect_status ENABLED: "All products in stock are available for sale"

    @property
    def for_sales(self) -> bool:
        """A warehouse a SKU's stock can be listed in: one that ships, and sells."""
        return self.type == "SALES_WAREHOUSE" and self.enabled


class RecommendedCategory(Value, frozen=True):
    category_id: str  # leaf_category_id: "This is always a leaf category"
    name: str
    is_leaf: bool


class CategoryAttribute(Value, frozen=True):
    """A Get Attributes entry; ``type`` is PRODUCT_PROPERTY or SALES_PROPERTY."""

    attribute_id: str
    name: str
    type: str
    required: bool  # is_requried, as the reference spells it
    multiple: bool
    customizable: bool
    values: tuple[AttributeValue, ...]


class CategoryRules(Value, frozen=True):
    """Get Category Rules, the parts listing needs; a certification is (id, name, is_required)."""

    package_dimensions_required: bool
    size_chart_required: bool
    size_chart_supported: bool
    certifications: tuple[tuple[str, str, bool], ...]


class Brand(Value, frozen=True):
    brand_id: str
    name: str
    authorized: bool  # authorized_status AUTHORIZED
    available: bool  # brand_status AVAILABLE (set only when a category was asked about)
    t1: bool

    @property
    def selectable(self) -> bool:
        """Get Brands' "brand selection rules": authorized and available in the category, or
        unauthorized and not T1 (then it is not displayed until authorized)."""
        return (self.authorized and self.available) or (not self.authorized and not self.t1)


class InventoryError(Value, frozen=True):
    """One SKU Update Inventory could not update (``data.errors``): the most specific code given."""

    sku_id: str
    code: int
    message: str


class ProductActionFailure(Value, frozen=True):
    """One product that Activate/Deactivate Products could not change."""

    product_id: str
    code: int
    message: str
    detail_codes: tuple[int, ...] = ()  # detail.extra_errors[].code, where TikTok gives them


class ItemTax(Value, frozen=True):
    """One ``line_items[].item_tax[]`` entry of Get Order Detail (US sales tax today)."""

    tax_type: str  # SALES_TAX
    tax_amount: str  # decimal string, the order's currency
    tax_rate: str  # a proportion ("0.0725"), as a decimal string


class TikTokLineItem(Value, frozen=True):
    """One ``line_items[]`` entry of Get Order Detail: TikTok lists one per unit sold.

    Prices are decimal strings in the order's currency, per unit: ``sale_price`` = ``original_price``
    - ``seller_discount`` - ``platform_discount``."""

    line_item_id: str
    product_id: str
    sku_id: str
    seller_sku: str
    sale_price: str
    package_id: str
    product_name: str = ""
    sku_name: str = ""  # the SKU's sales attributes, "Black, 26"
    original_price: str = ""
    seller_discount: str = ""
    platform_discount: str = ""
    currency: str = ""
    display_status: str = ""  # UNPAID, AWAITING_SHIPMENT, ..., CANCELLED
    is_gift: bool = False
    item_tax: tuple[ItemTax, ...] = ()


class DistrictLevel(Value, frozen=True):
    """One ``recipient_address.district_info[]`` entry: ``level`` L0 (the country) to L4, and the
    name of the division at that level ("State", "County", "City", ...)."""

    level: str
    level_name: str
    name: str


class RecipientAddress(Private, frozen=True):
    """Get Order Detail's ``recipient_address`` (absent while UNPAID or ON_HOLD). Everything but the
    region is personal data: left out of repr, so no log line shows it."""

    hidden = frozenset(
        {
            "name",
            "first_name",
            "last_name",
            "phone_number",
            "address_line1",
            "address_line2",
            "address_line3",
            "address_line4",
            "postal_code",
            "post_town",
            "district_info",
            "full_address",
            "address_detail",
        }
    )

    region_code: str  # "US", "GB", ...
    name: str = ""
    first_name: str = ""  # the whole name when the buyer gave one field
    last_name: str = ""  # "" when the buyer gave one field
    phone_number: str = ""  # masked ("(+1)213-***-1234") under TikTok logistics
    address_line1: str = ""
    address_line2: str = ""
    address_line3: str = ""  # BR only
    address_line4: str = ""  # BR only
    postal_code: str = ""
    post_town: str = ""  # UK only
    district_info: tuple[DistrictLevel, ...] = ()
    full_address: str = ""
    address_detail: str = ""


class Payment(Value, frozen=True):
    """Get Order Detail's ``payment``: decimal strings in ``currency`` ("" when TikTok leaves one out).

    The reference's arithmetic: ``sub_total`` = ``original_total_product_price`` - ``seller_discount``
    - ``platform_discount``; ``shipping_fee`` = ``original_shipping_fee`` -
    ``shipping_fee_seller_discount`` - ``shipping_fee_platform_discount``; ``total_amount`` (what the
    buyer paid) = ``sub_total`` + ``shipping_fee`` + taxes + ``retail_delivery_fee``. In the US
    ``sub_total`` and ``shipping_fee`` are before tax."""

    currency: str = ""
    sub_total: str = ""
    shipping_fee: str = ""
    seller_discount: str = ""
    platform_discount: str = ""
    shipping_fee_seller_discount: str = ""
    shipping_fee_platform_discount: str = ""
    tax: str = ""
    product_tax: str = ""
    shipping_fee_tax: str = ""
    total_amount: str = ""
    original_total_product_price: str = ""
    original_shipping_fee: str = ""
    retail_delivery_fee: str = ""  # US (Colorado)
    small_order_fee: str = ""  # TH
    buyer_service_fee: str = ""  # ID
    handling_fee: str = ""
    shipping_insurance_fee: str = ""  # ID
    item_insurance_fee: str = ""  # US, ID
    item_insurance_tax: str = ""  # US


class TikTokOrder(Private, frozen=True):
    hidden = frozenset({"recipient_address", "buyer_email", "buyer_message"})
    order_id: str
    status: str
    create_time: int
    update_time: int
    is_on_hold_order: bool = False
    currency: str = ""
    total_amount: str = ""
    cancellation_initiator: str = ""
    line_items: tuple[TikTokLineItem, ...] = ()
    package_ids: tuple[str, ...] = ()
    shipping_type: str = ""  # TIKTOK (TikTok's label) or SELLER (the seller ships)
    delivery_option_id: str = ""
    payment: Payment = field(default_factory=Payment)
    recipient_address: RecipientAddress | None = None
    buyer_email: str = ""  # anonymized by TikTok, still the buyer's
    buyer_message: str = ""
    paid_time: int = 0
    fulfillment_type: str = ""  # FULFILLMENT_BY_SELLER or FULFILLMENT_BY_TIKTOK
    tracking_number: str = ""
    shipping_provider_id: str = ""


class PriceDetail(Value, frozen=True):
    """Get Price Detail (order/202407/orders/{order_id}/price_detail): the order's price breakdown,
    and the same per line item (``line_item_id`` set, no ``line_items`` of its own). Decimal strings
    in ``currency``; ``tax_rate`` a proportion ("0.021")."""

    currency: str = ""
    total: str = ""  # sku_list_price + shipping_list_price
    payment: str = ""  # what the buyer pays: sku_sale_price + shipping_sale_price + tax_amount + ...
    sku_list_price: str = ""
    sku_sale_price: str = ""  # sku_list_price - subtotal_deduction_seller - subtotal_deduction_platform
    subtotal: str = ""  # sku_sale_price + subtotal_tax_amount
    subtotal_deduction_seller: str = ""
    subtotal_deduction_platform: str = ""
    subtotal_tax_amount: str = ""
    shipping_list_price: str = ""
    shipping_sale_price: str = ""
    shipping_fee_deduction_seller: str = ""
    shipping_fee_deduction_platform: str = ""
    tax_amount: str = ""  # subtotal_tax_amount + shipping fee tax + COD fee tax
    tax_rate: str = ""
    net_price_amount: str = ""
    line_item_id: str = ""
    line_items: tuple[PriceDetail, ...] = ()


class ReturnLineItem(Value, frozen=True):
    """One ``return_line_items[]`` entry of Search Returns: one order line item, so one unit."""

    return_line_item_id: str
    order_line_item_id: str
    sku_id: str
    seller_sku: str = ""
    product_name: str = ""
    sku_name: str = ""


class TikTokReturn(Value, frozen=True):
    """One ``return_orders[]`` entry of Search Returns (return_refund/202309/returns/search)."""

    return_id: str
    order_id: str
    return_type: str  # REFUND, RETURN_AND_REFUND or REPLACEMENT
    return_status: str  # RETURN_OR_REFUND_REQUEST_PENDING, ..., RETURN_OR_REFUND_REQUEST_COMPLETE
    role: str = ""  # who asked: BUYER, SELLER, OPERATOR or SYSTEM
    create_time: int = 0
    update_time: int = 0
    line_items: tuple[ReturnLineItem, ...] = ()
    refund_total: str = ""
    currency: str = ""

    @property
    def quantities(self) -> dict[str, int]:
        """Units returned per TikTok SKU id (each return line item is one order line item, one unit)."""
        counts: dict[str, int] = {}
        for item in self.line_items:
            counts[item.sku_id] = counts.get(item.sku_id, 0) + 1
        return counts


class ReturnPage(Value, frozen=True):
    returns: tuple[TikTokReturn, ...]
    next_page_token: str
    total_count: int


class ShippedPackage(Value, frozen=True):
    """Mark Package As Shipped's answer: the package TikTok made of the line items."""

    order_id: str
    package_id: str
    line_item_ids: tuple[str, ...] = ()
    warning: str = ""  # e.g. "match more than one provider"


class OrderPage(Value, frozen=True):
    orders: tuple[TikTokOrder, ...]
    next_page_token: str
    total_count: int


class Cancellation(Value, frozen=True):
    cancel_id: str
    cancel_status: str


class TikTokCategory(Value, frozen=True):
    """One category of Get Categories: products go in leaf categories the shop may use."""

    category_id: str
    parent_id: str
    name: str
    is_leaf: bool
    available: bool  # permission_statuses holds AVAILABLE
