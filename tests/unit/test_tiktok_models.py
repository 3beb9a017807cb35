"""The request bodies the TikTok models build, in the 202309 field names of Create Product and
Partial Edit Product (local/contracts/tiktok/api/products/*.spec.json)."""

from __future__ import annotations

from connector.clients.tiktok import parsing
from connector.clients.tiktok.models import (
    AttributeValue,
    Brand,
    InventoryLevel,
    NewProduct,
    NewSku,
    PackageDimensions,
    ProductAttribute,
    ProductEdit,
    SalesAttribute,
    TikTokSku,
    Warehouse,
)


def test_a_sales_attribute_sends_the_id_or_the_custom_name_never_both() -> None:
    # "Provide either a built-in ID or a custom name; if both are provided, the ID takes priority"
    built_in = SalesAttribute("Color", "Black", "100000", "1001", "tos/swatch")
    custom = SalesAttribute("Scent", "Vanilla")
    assert built_in.to_body() == {"id": "100000", "value_id": "1001", "sku_img": {"uri": "tos/swatch"}}
    assert custom.to_body() == {"name": "Scent", "value_name": "Vanilla"}


def test_a_new_product_carries_its_listing_fields() -> None:
    sku = NewSku(
        "S-1",
        "9.50",
        "USD",
        (InventoryLevel("", 3, "W1"),),
        (SalesAttribute("Size", "M"),),
        external_sku_id="ext-1",
    )
    product = NewProduct(
        "Tee",
        "<p>Tee</p>",
        "601226",
        ("tos/a",),
        (sku,),
        "0.3",
        category_version="v2",
        package_dimensions=PackageDimensions("30", "20", "2", "CENTIMETER"),
        product_attributes=(
            ProductAttribute("101610", (AttributeValue("1024358"), AttributeValue("", "Silk"))),
        ),
    )
    body = product.to_body()
    assert body["category_version"] == "v2"
    assert body["package_dimensions"] == {"length": "30", "width": "20", "height": "2", "unit": "CENTIMETER"}
    assert body["product_attributes"] == [{"id": "101610", "values": [{"id": "1024358"}, {"name": "Silk"}]}]
    assert body["skus"] == [
        {
            "seller_sku": "S-1",
            "price": {"amount": "9.50", "currency": "USD"},
            "inventory": [{"quantity": 3, "warehouse_id": "W1"}],
            "sales_attributes": [{"name": "Size", "value_name": "M"}],
            "external_sku_id": "ext-1",
        }
    ]


def test_a_partial_edit_names_existing_skus_by_id_and_new_ones_without() -> None:
    listed = TikTokSku(
        "11", "S-1", "9.50", "USD", (InventoryLevel("11", 4, "W1"),), (SalesAttribute("Size", "M", "7", "8"),)
    )
    edit = ProductEdit(
        skus=(NewSku.listed(listed, "10.00"), NewSku("S-2", "10.00", "USD", (InventoryLevel("", 2, "W1"),)))
    )
    existing, new = edit.to_body()["skus"]
    assert existing == {
        "id": "11",
        "seller_sku": "S-1",
        "price": {"amount": "10.00", "currency": "USD"},
        "inventory": [{"quantity": 4, "warehouse_id": "W1"}],
        "sales_attributes": [{"id": "7", "value_id": "8"}],
    }
    assert "id" not in new


def test_get_product_sales_attributes_are_read_back() -> None:
    (sku,) = parsing.skus([{"id": "11", "sales_attributes": [{"id": "7", "name": "Size", "value_id": "8"}]}])
    assert sku.sales_attributes == (SalesAttribute("Size", "", "7", "8"),)


def test_brand_selection_and_sales_warehouses() -> None:
    assert Brand("1", "A", authorized=True, available=True, t1=True).selectable
    assert not Brand("1", "A", authorized=True, available=False, t1=False).selectable
    assert Brand("1", "A", authorized=False, available=False, t1=False).selectable
    assert not Brand("1", "A", authorized=False, available=False, t1=True).selectable
    assert Warehouse("1", "w", "SALES_WAREHOUSE", "DOMESTIC_WAREHOUSE", True, True).for_sales
    assert not Warehouse("1", "w", "SALES_WAREHOUSE", "DOMESTIC_WAREHOUSE", True, False).for_sales
    assert not Warehouse("1", "w", "RETURN_WAREHOUSE", "DOMESTIC_WAREHOUSE", False, True).for_sales
