"""Values that hold what must never reach a log line show only their other fields in repr."""

from __future__ import annotations

from connector.clients.shopify.models import OfflineToken
from connector.clients.tiktok.models import RecipientAddress, ShopAuth, TikTokOrder, TokenGrant
from connector.domain.shopify_order import ShopifyOrderDraft
from connector.values import Private, replace


def test_a_private_values_repr_names_none_of_its_hidden_fields() -> None:
    address = RecipientAddress(
        "GB", name="Ada Lovelace", phone_number="(+44)20-***-1234", address_line1="12 St James's Square"
    )
    shown = repr(address)
    assert shown.startswith("RecipientAddress(") and "region_code='GB'" in shown
    assert not any(secret in shown for secret in ("Ada", "Lovelace", "1234", "James"))


def test_every_hidden_name_is_a_field_of_its_value() -> None:
    # a misspelt name would leave the field it meant in repr
    private = _subclasses(Private)
    assert {RecipientAddress, TikTokOrder, TokenGrant, ShopAuth, OfflineToken, ShopifyOrderDraft} <= private
    for value_type in private:
        assert value_type.hidden <= set(value_type.__struct_fields__), value_type


def test_replace_keeps_a_value_frozen_and_equal_by_its_fields() -> None:
    address = RecipientAddress("GB", name="Ada")
    moved = replace(address, region_code="US")
    assert moved == RecipientAddress("US", name="Ada") and moved != address
    assert hash(moved) == hash(RecipientAddress("US", name="Ada"))


def _subclasses(base: type) -> set[type]:
    found = set(base.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found)) if found else set()
