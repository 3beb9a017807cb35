"""The reference's flat parameter lists read as trees, and bodies checked against them."""

from __future__ import annotations

from local.sandboxes.contract import Gap, Violation
from local.sandboxes.tiktok_contract import (
    INVALID_METHOD,
    INVALID_PATH,
    Match,
    Param,
    check_value,
    endpoints,
    match,
    parse_tree,
)

ROWS = [
    {"name": "title", "type": "string", "required": "Y"},
    {"name": "skus", "type": "[]object", "required": "Y"},
    {"name": "^price", "type": "object", "required": "Y"},
    {"name": "^^currency", "type": "string", "required": "Y"},
    {"name": "^inventory", "type": "[]object", "required": "N"},
    {"name": "^^warehouse_id", "type": "string", "required": "Y"},
    {"name": "^^quantity", "type": "int", "required": "N", "desc": "Valid range: [1, 99,999]"},
    {"name": "video", "type": "object", "required": "N"},
    {"name": "^id", "type": "string", "required": "Y"},
    {"name": "is_cod_allowed", "type": "bool", "required": "N"},
]


def test_each_caret_nests_an_entry_under_the_closest_one_above() -> None:
    title, skus, video, cod = parse_tree(ROWS)
    assert (title.name, skus.name, video.name, cod.name) == ("title", "skus", "video", "is_cod_allowed")
    price, inventory = skus.children
    assert [p.name for p in price.children] == ["currency"]
    assert [p.name for p in inventory.children] == ["warehouse_id", "quantity"]
    assert [p.name for p in video.children] == ["id"] and title.children == ()
    assert inventory.children[1].int_range() == (1, 99_999)


def breaches(body: dict[str, object]) -> list[tuple[str, str]]:
    return [(path, rule) for path, rule, _ in check_value(parse_tree(ROWS), body)]


def test_a_required_child_is_required_only_when_its_parent_is_there() -> None:
    sku = {"price": {"currency": "USD"}}
    # No video and no inventory: nothing under them is asked for
    assert breaches({"title": "T", "skus": [sku]}) == []
    # A video without its id, and every element of an array is checked
    body = {"title": "T", "video": {}, "skus": [sku, {"price": {}, "inventory": [{"quantity": 2}]}]}
    assert breaches(body) == [
        ("skus[1].price.currency", "required"),
        ("skus[1].inventory[0].warehouse_id", "required"),
        ("video.id", "required"),
    ]


def test_types_are_json_types_and_a_bool_is_not_an_int() -> None:
    body = {
        "title": 7,
        "skus": [{"price": {"currency": "USD"}, "inventory": [{"warehouse_id": "1", "quantity": True}]}],
        "is_cod_allowed": "true",
    }
    assert breaches(body) == [
        ("title", "type"),
        ("skus[0].inventory[0].quantity", "type"),
        ("is_cod_allowed", "type"),
    ]
    assert breaches({"title": "T", "skus": {}}) == [("skus", "type")]
    assert breaches({"title": "T", "skus": []}) == [("skus", "required")]


def test_every_endpoint_of_the_reference_loads_with_its_method() -> None:
    loaded = endpoints()
    assert len(loaded) == 45
    assert {e.method for e in loaded} == {"GET", "POST", "PUT", "DELETE"}
    create = next(e for e in loaded if e.title == "Create Product")
    assert create.template == "/product/202309/products" and create.method == "POST"
    assert any(p.name == "skus" and p.children for p in create.body)
    assert next(e for e in loaded if e.title == "Upload Product Image").multipart


def test_paths_match_their_template_and_an_older_version_of_it() -> None:
    found = match("POST", "/product/202309/products/1729/partial_edit")
    assert isinstance(found, Match)
    assert found.endpoint.title == "Partial Edit Product" and found.path_params == {"product_id": "1729"}
    assert found.label == "POST /product/202309/products/{product_id}/partial_edit"
    exact = match("GET", "/product/202309/products/1729")
    assert isinstance(exact, Match) and exact.endpoint.title == "Get Product"
    assert match("GET", "/product/202309/unknown") == INVALID_PATH
    assert match("PATCH", "/product/202309/products") == INVALID_METHOD


def test_gaps_match_endpoints_fields_and_rules_by_pattern() -> None:
    violation = Violation(
        "POST /product/202309/products", "skus[3].inventory[0].warehouse_id", "required", "m"
    )
    assert Gap("POST /product/202309/products", "required", "skus[*].inventory[*].warehouse_id").covers(
        violation
    )
    assert Gap("POST /product/*", "*").covers(violation)
    assert not Gap("POST /product/202309/products", "type", "skus[*].inventory[*].warehouse_id").covers(
        violation
    )
    assert not Gap("POST /product/202309/products", "required", "skus[*].price").covers(violation)
    assert Param("q", "int", False, "Valid range: [1-100]").int_range() == (1, 100)
