"""The TikTok sandbox's products: Create Product's validation, the stored products and their audit
after a delay, and the product endpoints (get, search, (de)activate, edit, prices, stock, delete).

Checks and codes as the 202309 reference pages of each endpoint and their error tables give them
(prices: ``tiktok_prices``). An audit fails, deterministically, for a title carrying ``[reject]`` or
for text in a language that is not the market's (Chinese, Japanese or Korean characters); it ends
PRE_APPROVED (KYC_PENDING) while the shop's ``kyc_pending`` is set, the product staying PENDING;
otherwise the product goes live. Each audit's end is webhook 37 (audit status); a first pass and
every failure are also webhook 5 (PRODUCT_FIRST_PASS_REVIEW, PRODUCT_AUDIT_FAILURE: "Product audit
fails" is one of its triggers, the reason in ``suspended_reason``).

A Partial Edit of content (not only price or stock) is audited again. Partial Edit's reference: "If
the audit passes, v2 is published to the shop, otherwise, the existing product stays live and remains
unchanged (keeping v1)". So a live product stays ACTIVATE throughout; while the edit is audited, Get
Product answers the edited content (v2, the latest submitted: "If a draft or audit-review version
exists, unedited fields will retain their values over those of the base (live) version"); once the
audit passes v2 is what sells and ``audit_failed_reasons`` is cleared; once it fails, Get Product
answers the live content (v1: title, description, main images and the SKUs as they were) again, with
``audit.status`` FAILED and the reasons in ``audit_failed_reasons``. Price and stock changes made
meanwhile stay ("edits to the price or inventory fields do not require a reaudit and will be
immediately published").

Get Product's ``product_status`` ("unrelated to its audit status"): INITIAL until the product first
goes live (under audit, pre-approved or failed), ACTIVATE from then on while it is PENDING, FAILED or
ACTIVATE (an edit under audit, a rejected edit, a reactivation), else its ``status``
(SELLER_DEACTIVATED, DELETED...).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from local.sandboxes.tiktok_catalog import CATEGORIES
from local.sandboxes.tiktok_codes import (
    OTHER_REGION_TITLE_LIMITS,
    TITLE_LIMITS,
    ApiFailure,
    JsonObject,
    page,
)
from local.sandboxes.tiktok_prices import (
    INVALID_INPUT,
    check_sku_prices,
    stored_list_prices,
)
from local.sandboxes.tiktok_state import SandboxShop, Shared
from local.sandboxes.tiktok_webhooks import Scheduler, WebhookSender

REJECT_MARKER = "[reject]"
BUILT_IN_ATTRIBUTES = {a.id: a for category in CATEGORIES for a in category.attributes}
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
EDITABLE = ("title", "description", "main_images", "skus")
CONTENT = ("title", "description", "main_images")  # besides new SKUs and sales attributes
LIVE_CONTENT = (*CONTENT, "skus")  # what a rejected edit of a live product gives back
# Partial Edit: "edits to the price or inventory fields do not require a reaudit and will be
# immediately published"; a rejected edit keeps them.
PUBLISHED_AT_ONCE = ("price", "list_price", "external_list_prices", "inventory")
LIST_PRICES = ("list_price", "external_list_prices")
UNKNOWN_SKU = 12052910  # "Invalid input parameters"


class Products:
    """The products of every shop, audited ``audit_delay_seconds`` after they are created or activated."""

    def __init__(
        self,
        shared: Shared,
        scheduler: Scheduler,
        webhooks: WebhookSender,
        audit_delay_seconds: float,
        shops: Mapping[str, SandboxShop],
    ) -> None:
        self._shared = shared
        self._shops = shops
        self._scheduler = scheduler
        self._webhooks = webhooks
        self.audit_delay_seconds = audit_delay_seconds
        self.products: dict[str, JsonObject] = {}
        self._idempotency: dict[tuple[str, str], str] = {}

    def api_create_product(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        validate_product(body, shop.region)
        key = (shop.shop_id, str(body.get("idempotency_key") or ""))
        if key[1] and key in self._idempotency:
            product = self.products[self._idempotency[key]]
        else:
            product = self._store_product(shop, body)
            if key[1]:
                self._idempotency[key] = product["id"]
        skus = [{"id": sku["id"], "seller_sku": sku["seller_sku"]} for sku in product["skus"]]
        return {"product_id": product["id"], "skus": skus, "warnings": []}

    def _store_product(self, shop: SandboxShop, body: JsonObject) -> JsonObject:
        now = int(self._shared.clock())
        new_id = self._shared.new_id
        product: JsonObject = {
            "id": new_id(),
            "shop_id": shop.shop_id,
            "title": body["title"],
            "description": body["description"],
            "main_images": [{"uri": str(image["uri"])} for image in body["main_images"]],
            "package_weight": dict(body["package_weight"]),
            # Get Product answers the category as category_chains; the sandbox keeps what it was given.
            "_category": {"id": body["category_id"], "version": body.get("category_version") or "v1"},
            "status": "PENDING",
            "audit": {"status": "AUDITING", "pre_approved_reasons": []},
            "audit_failed_reasons": [],
            "create_time": now,
            "update_time": now,
            "skus": [],
        }
        product["skus"] = [self._new_sku(product, sku) for sku in body["skus"]]
        self.products[product["id"]] = product
        self._schedule_audit(product["id"])
        return product

    def _schedule_audit(self, product_id: str) -> None:
        self._scheduler.submit(lambda: self._audit(product_id), self.audit_delay_seconds)

    def _new_sku(self, product: JsonObject, sku: JsonObject) -> JsonObject:
        """A SKU as stored, with a new id, and ids for custom sales attribute names and values (the
        reference: "The system will auto-generate an ID")."""
        return {
            "id": self._shared.new_id(),
            "seller_sku": str(sku.get("seller_sku", "")),
            "price": {"sale_price": str(sku["price"]["amount"]), "currency": sku["price"].get("currency")},
            **stored_list_prices(sku, str(sku["price"]["amount"])),
            "inventory": [
                {
                    "warehouse_id": str(level.get("warehouse_id") or "7000714532876273410"),
                    "quantity": int(level.get("quantity", 0)),
                }
                for level in sku.get("inventory") or ()
            ],
            "sales_attributes": self._sales_attributes(product, sku.get("sales_attributes") or ()),
        }

    def _sales_attributes(self, product: JsonObject, given: Any) -> list[JsonObject]:
        # One id per custom name (and per custom value of a name) across the product's SKUs.
        ids = product.setdefault("_custom_ids", {})
        stored = []
        for attribute in given:
            # A built-in id is named as Get Attributes names it; a custom name keeps its own.
            built_in = BUILT_IN_ATTRIBUTES.get(str(attribute.get("id") or ""))
            name = str(attribute.get("name") or (built_in.name if built_in else ""))
            attribute_id = str(attribute.get("id") or ids.setdefault(("name", name), self._shared.new_id()))
            values = dict(built_in.values) if built_in else {}
            value_name = str(attribute.get("value_name") or values.get(str(attribute.get("value_id")), ""))
            value_id = str(
                attribute.get("value_id") or ids.setdefault((attribute_id, value_name), self._shared.new_id())
            )
            entry: JsonObject = {
                "id": attribute_id,
                "name": name,
                "value_id": value_id,
                "value_name": value_name,
            }
            if isinstance(attribute.get("sku_img"), dict):
                entry["sku_img"] = {"uri": str(attribute["sku_img"].get("uri", ""))}
            stored.append(entry)
        return stored

    def set_kyc_pending(self, shop: SandboxShop, pending: bool) -> None:
        """The seller's KYC pends or completes; once complete, its pre-approved products are audited
        again (and go live)."""
        with self._shared.lock:
            shop.kyc_pending = pending
            if pending:
                return
            for product in self.products.values():
                if product["shop_id"] == shop.shop_id and product["audit"]["status"] == "PRE_APPROVED":
                    product["audit"] = {"status": "AUDITING", "pre_approved_reasons": []}
                    self._schedule_audit(product["id"])

    def _audit(self, product_id: str) -> None:
        """The audit, decided deterministically: a reject marker or non-market language fails it; a
        shop whose KYC pends gets PRE_APPROVED; otherwise it passes."""
        with self._shared.lock:
            product = self.products[product_id]
            if product["status"] not in ("PENDING", "ACTIVATE") or product["audit"]["status"] != "AUDITING":
                return  # deactivated or deleted meanwhile, or already audited
            reason = _audit_failure(product)
            pending = product["status"] == "PENDING"
            self._shared.touch(product)
            if reason:
                product["audit"] = {"status": "FAILED", "pre_approved_reasons": []}
                product["audit_failed_reasons"] = [
                    {
                        "position": "product",
                        "reasons": [reason],
                        "suggestions": ["Check the product against the listing rules and resubmit."],
                        "listing_platform": "TIKTOK_SHOP",
                    }
                ]
                live = product.pop("_live", None)
                if pending:
                    product["status"] = "FAILED"
                elif live is not None:  # a live product stays live, unchanged (v1)
                    _restore(product, live)
                self._webhooks.product_changed(product, "PRODUCT_AUDIT_FAILURE", reason)
            elif self._shops[product["shop_id"]].kyc_pending:
                product["audit"] = {"status": "PRE_APPROVED", "pre_approved_reasons": ["KYC_PENDING"]}
            else:
                product["audit"] = {"status": "APPROVED", "pre_approved_reasons": []}
                product["audit_failed_reasons"] = []
                product.pop("_live", None)  # v2 is published
                product["_went_live"] = True
                if pending:
                    product["status"] = "ACTIVATE"
                    self._webhooks.product_changed(product, "PRODUCT_FIRST_PASS_REVIEW", "")
            self._webhooks.product_audited(
                product, product["audit"]["status"], list(product["audit"]["pre_approved_reasons"])
            )

    def _own_product(self, shop: SandboxShop, product_id: str) -> JsonObject:
        product = self.products.get(product_id)
        if product is None or product["shop_id"] != shop.shop_id:
            raise ApiFailure(12052260, "The product ID does not exist")
        return product

    def _visible_product(self, shop: SandboxShop, product_id: str) -> JsonObject:
        """The shop's product as Get Product and Edit see it: frozen and deleted ones do not exist."""
        product = self._own_product(shop, product_id)
        if product["status"] in ("FREEZE", "DELETED"):
            raise ApiFailure(12052260, "The product ID does not exist")
        return product

    def api_get_product(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        return public_product(self._visible_product(shop, product_id))

    def api_search_products(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        status, since = body.get("status"), int(body.get("update_time_ge") or 0)
        found = [
            public_product(p)
            for p in self.products.values()
            if p["shop_id"] == shop.shop_id
            and (not status or p["status"] == status)
            and p["update_time"] >= since
        ]
        found.sort(key=lambda p: (p["create_time"], p["id"]), reverse=True)
        products, token, total = page(found, query)
        return {"products": products, "next_page_token": token, "total_count": total}

    def _product_action(self, shop: SandboxShop, body: JsonObject, activate: bool) -> JsonObject:
        ids = [str(i) for i in body.get("product_ids") or ()]
        if not ids or len(ids) > 20:
            raise ApiFailure(12019120, "The number of provided product IDs exceeds the limit.")
        errors = []
        allowed = (
            ("SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED") if activate else ("ACTIVATE", "PENDING", "FAILED")
        )
        for product_id in ids:
            product = self.products.get(product_id)
            if product is None or product["shop_id"] != shop.shop_id:
                errors.append(_action_error(product_id, 12052048, "You cannot edit the specified product(s)"))
            elif product["status"] not in allowed:
                errors.append(
                    _action_error(product_id, 12052901, "The product in its current status is not available")
                )
            else:
                product["status"] = "PENDING" if activate else "SELLER_DEACTIVATED"
                self._shared.touch(product)
                if activate:
                    product["audit"] = {"status": "AUDITING", "pre_approved_reasons": []}
                    self._schedule_audit(product_id)
        return {"errors": errors}

    def api_activate(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        return self._product_action(shop, body, activate=True)

    def api_deactivate(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        return self._product_action(shop, body, activate=False)

    def api_partial_edit(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self._visible_product(shop, product_id)
        edited = {**_editable(product), **{k: v for k, v in body.items() if k in EDITABLE}}
        validate_product({**edited, "category_id": "sandbox"}, shop.region)
        content = any(name in body for name in CONTENT)
        live = copy.deepcopy({name: product[name] for name in LIVE_CONTENT})
        if "skus" in body:
            # skus.id: "Any existing SKU IDs not listed here will result in the deletion of those
            # SKUs"; "To create new SKUs, leave the SKU ID blank".
            known = {sku["id"]: sku for sku in product["skus"]}
            if any(sku.get("id") and str(sku["id"]) not in known for sku in body["skus"]):
                raise ApiFailure(UNKNOWN_SKU, "Invalid input parameters: unknown SKU id")
            skus = [
                self._edited_sku(product, sku, known[str(sku["id"])])
                if sku.get("id")
                else self._new_sku(product, sku)
                for sku in body["skus"]
            ]
            attributes = [[(a["id"], a["value_id"]) for a in sku["sales_attributes"]] for sku in skus]
            before = [[(a["id"], a["value_id"]) for a in sku["sales_attributes"]] for sku in product["skus"]]
            content = content or attributes != before or any(not sku.get("id") for sku in body["skus"])
            product["skus"] = skus
        for name in CONTENT:
            if name in body:
                product[name] = edited[name]
        self._shared.touch(product)
        if content:  # audited again; price and stock edits are published at once
            if product["status"] == "ACTIVATE":
                product.setdefault("_live", live)  # what sells until the edit passes (kept over edits)
            product["audit"] = {"status": "AUDITING", "pre_approved_reasons": []}
            if product["status"] == "FAILED":
                product["status"] = "PENDING"
            self._schedule_audit(product["id"])
        return {
            "product_id": product["id"],
            "skus": [
                {
                    "id": sku["id"],
                    "seller_sku": sku["seller_sku"],
                    "sales_attributes": [
                        {"id": a["id"], "value_id": a["value_id"]} for a in sku["sales_attributes"]
                    ],
                }
                for sku in product["skus"]
            ],
            "audit": {"status": product["audit"]["status"] if content else _unchanged_audit(product)},
        }

    def _edited_sku(self, product: JsonObject, edit: JsonObject, stored: JsonObject) -> JsonObject:
        sku = _stored_sku(edit, stored)
        if "sales_attributes" in edit:
            sku["sales_attributes"] = self._sales_attributes(product, edit["sales_attributes"] or ())
        return sku

    def api_update_prices(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self._own_product(shop, product_id)
        if product["status"] != "ACTIVATE":  # "can be updated only by this SKU in live status"
            raise ApiFailure(12052702, "The SKU price can only be updated when the product is live")
        skus = {sku["id"]: sku for sku in product["skus"]}
        updates = [update for update in body.get("skus") or () if isinstance(update, dict)]
        for update in updates:  # all checked before any is applied
            if str(update.get("id")) not in skus:
                raise ApiFailure(INVALID_INPUT, "Invalid input parameters: unknown SKU id")
            # Update Price's error table has no 12052375: an invalid list price is invalid input.
            check_sku_prices(update, shop.region, list_price_invalid=INVALID_INPUT)
        for update in updates:
            sku, price = skus[str(update["id"])], update["price"]
            sku["price"] = {"sale_price": str(price["amount"]), "currency": price["currency"]}
            given = stored_list_prices(update, sku["price"]["sale_price"])
            for name in LIST_PRICES:  # a kind given replaces the kept one; one left out stays
                if update.get(name) is not None:
                    sku.pop(name, None)
                    sku.update({name: given[name]} if name in given else {})
            _discard_list_prices_below_sale(sku)
        self._shared.touch(product)
        return {}

    def api_update_inventory(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self.products.get(product_id)
        if product is None or product["shop_id"] != shop.shop_id:
            raise ApiFailure(12052048, "You cannot edit the specified product(s)")
        skus = {sku["id"]: sku for sku in product["skus"]}
        errors = []
        for update in body.get("skus") or ():
            sku = skus.get(str(update.get("id")))
            if sku is None:  # answered per SKU in data.errors, as the reference's example shows
                errors.append(_inventory_error(str(update.get("id")), update))
                continue
            for level in update.get("inventory") or ():
                quantity = level.get("quantity")
                if not isinstance(quantity, int) or not 0 <= quantity <= 99_999:
                    raise ApiFailure(12052055, "The SKU inventory quantity must be within allowed limits.")
                warehouse = str(level.get("warehouse_id") or sku["inventory"][0]["warehouse_id"])
                held = {held["warehouse_id"]: held for held in sku["inventory"]}  # one level per warehouse
                held[warehouse] = {"warehouse_id": warehouse, "quantity": quantity}
                sku["inventory"] = list(held.values())
        self._shared.touch(product)
        return {"errors": errors}

    def api_delete_products(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        ids = [str(i) for i in body.get("product_ids") or ()]
        if not ids or len(ids) > 20:
            raise ApiFailure(12019120, "The number of provided product IDs exceeds the limit.")
        errors = []
        for product_id in ids:
            product = self.products.get(product_id)
            if product is None or product["shop_id"] != shop.shop_id:
                errors.append(_action_error(product_id, 12052048, "You cannot edit the specified product(s)"))
            elif product["status"] != "DELETED":
                product["status"] = "DELETED"
                self._shared.touch(product)
        return {"errors": errors}

    def delete_product(self, product_id: str) -> JsonObject:
        """The seller deletes a product in TikTok Seller Center: TikTok tells us with a type-5 webhook."""
        with self._shared.lock:
            product = self.products[product_id]
            product["status"] = "DELETED"
            self._shared.touch(product)
            self._webhooks.product_changed(product, "PRODUCT_DELETED", "")
            return public_product(product)


def validate_product(body: JsonObject, region: str) -> None:
    """Create Product's documented checks, with the codes of its error table."""
    title = body.get("title")
    low, high = TITLE_LIMITS.get(region, OTHER_REGION_TITLE_LIMITS)
    if not isinstance(title, str) or not title.strip():
        raise ApiFailure(12052261, "product name is empty")
    if not low <= len(title) <= high:
        raise ApiFailure(12052051, f"The product name must be {low} to {high} characters")
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ApiFailure(12052015, "The product description is required")
    if len(description) > 10_000:
        raise ApiFailure(12052013, "The product description cannot exceed maximum characters")
    if not str(body.get("category_id") or "").strip():
        raise ApiFailure(12052023, "Category does not exist")
    images = body.get("main_images") or []
    if not images or not all(isinstance(i, dict) and i.get("uri") for i in images):
        raise ApiFailure(12052028, "Main product image is required")
    if len(images) > 9:
        raise ApiFailure(12052306, "main product images count exceed limit")
    skus = body.get("skus") or []
    if not skus:
        raise ApiFailure(12052104, "property is required: skus")
    if len(skus) > 300:
        raise ApiFailure(12052050, "A single product cannot have more than 300 different SKUs")
    for sku in skus:
        check_sku_prices(sku, region)
        for level in sku.get("inventory") or ():
            quantity = level.get("quantity", 0)
            if not isinstance(quantity, int) or not 0 <= quantity <= 99_999:
                raise ApiFailure(12052055, "The SKU inventory quantity must be within allowed limits.")
    weight = body.get("package_weight") or {}
    if not _positive_decimal(weight.get("value")) or not weight.get("unit"):
        raise ApiFailure(12052181, "The package weight of the product can not be zero.")


def public_product(product: JsonObject) -> JsonObject:
    """A product as Get Product answers it: without the sandbox's own keys (its shop, custom ids, the
    live version kept during an edit's audit), with its ``product_status``."""
    public = {key: value for key, value in product.items() if key != "shop_id" and not key.startswith("_")}
    return {**public, "product_status": product_status(product)}


def product_status(product: JsonObject) -> str:
    """Get Product's ``product_status``: the product's own state, its audit aside (module docstring)."""
    status = str(product["status"])
    if status in ("PENDING", "FAILED", "ACTIVATE"):
        return "ACTIVATE" if product.get("_went_live") else "INITIAL"
    return status  # DRAFT, SELLER_DEACTIVATED, PLATFORM_DEACTIVATED, FREEZE, DELETED


def _restore(product: JsonObject, live: JsonObject) -> None:
    """The live version (v1) back after a rejected edit, with the SKUs' prices and stock as they are
    now: those were published at once."""
    current = {sku["id"]: sku for sku in product["skus"]}
    skus = []
    for sku in live["skus"]:
        now = current.get(sku["id"])
        if now is not None:
            sku = {key: value for key, value in sku.items() if key not in PUBLISHED_AT_ONCE}
            sku.update({key: now[key] for key in PUBLISHED_AT_ONCE if key in now})
        skus.append(sku)
    product.update({name: live[name] for name in CONTENT}, skus=skus)


def _discard_list_prices_below_sale(sku: JsonObject) -> None:
    # list_price: "must be equal to or greater than skus.price.amount. Otherwise, it will be discarded."
    kept = stored_list_prices(sku, sku["price"]["sale_price"])
    for name in LIST_PRICES:
        sku.pop(name, None)
    sku.update(kept)


def _positive_decimal(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:
        return False


def _editable(product: JsonObject) -> JsonObject:
    """A stored product as the Create Product body it came from, to validate an edit against."""
    skus = [
        {**sku, "price": {"amount": sku["price"]["sale_price"], "currency": sku["price"]["currency"]}}
        for sku in product["skus"]
    ]
    return {
        **{k: product[k] for k in EDITABLE if k != "skus"},
        "skus": skus,
        "package_weight": product["package_weight"],
    }


def _stored_sku(edit: JsonObject, stored: JsonObject) -> JsonObject:
    price = edit.get("price") or {}
    # "If you need to edit any nested property within an object, you must provide values for all
    # nested properties of that object": list prices left out of a SKU's edit are gone.
    kept = {k: v for k, v in stored.items() if k not in LIST_PRICES}
    return {
        **kept,
        **stored_list_prices(edit, str(price["amount"])),
        "seller_sku": str(edit.get("seller_sku") or stored["seller_sku"]),
        "price": {"sale_price": str(price["amount"]), "currency": price["currency"]},
        "inventory": [
            {
                "warehouse_id": str(level.get("warehouse_id") or "7000714532876273410"),
                "quantity": int(level["quantity"]),
            }
            for level in edit.get("inventory") or stored["inventory"]
        ],
    }


def _unchanged_audit(product: JsonObject) -> str:
    """Partial Edit's audit.status for a price or stock edit: APPROVED stays, else as it was."""
    if product["status"] in ("SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "FREEZE", "DRAFT"):
        return "NONE"
    return str(product["audit"]["status"])


def _inventory_error(sku_id: str, update: JsonObject) -> JsonObject:
    levels = [level for level in update.get("inventory") or () if isinstance(level, dict)]
    warehouse = str(levels[0].get("warehouse_id", "")) if levels else ""
    extra = {
        "warehouse_id": warehouse,
        "code": UNKNOWN_SKU,
        "message": f"The SKU {sku_id} is not this product's",
    }
    return {
        "code": 12052990,
        "message": "Check failed",
        "detail": {"sku_id": sku_id, "extra_errors": [extra]},
    }


def _audit_failure(product: JsonObject) -> str:
    if REJECT_MARKER in product["title"].lower():
        return "violate listing rules"
    # "The language used in the product content must align with the target market's language."
    if CJK.search(product["title"]) or CJK.search(product["description"]):
        return "product content language does not match the market"
    return ""


def _action_error(product_id: str, code: int, message: str) -> JsonObject:
    return {
        "code": 12052990,
        "message": "The check failed.",
        "detail": {"product_id": product_id, "extra_errors": [{"code": code, "message": message}]},
    }
