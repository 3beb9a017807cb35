"""What a TikTok shop's region decides about its listings, as TikTok's Create Product reference
(product/202309) states it: the currency of every price and its decimals, the prices allowed, the
category tree version, the title length, and whether package dimensions may be left out."""

from __future__ import annotations

from decimal import Decimal

from connector.values import Value

# skus.price.currency, "Possible values based on the region". Region codes as Get Authorized
# Shops returns them; the reference writes the United Kingdom both GB and UK.
_CURRENCY = {
    "BR": "BRL",
    "GB": "GBP",
    "UK": "GBP",
    "ID": "IDR",
    "JP": "JPY",
    "MX": "MXN",
    "MY": "MYR",
    "PH": "PHP",
    "SG": "SGD",
    "TH": "THB",
    "US": "USD",
    "VN": "VND",
    **dict.fromkeys(("FR", "DE", "IE", "IT", "ES"), "EUR"),
}
# Amounts in these currencies are whole numbers; in the others, two decimals.
_WHOLE_CURRENCIES = frozenset({"IDR", "JPY", "VND"})
# Product pricing (product-pricing.json), local sellers: the allowed price range by country.
_EU_RANGE = ("0.01", "6300")
_PRICE_RANGE = {
    "BR": ("0.5", "10000"),
    "GB": ("0.01", "5600"),
    "UK": ("0.01", "5600"),
    "ID": ("100", "100000000"),
    "JP": ("1", "500000"),
    "MX": ("1", "50000"),
    "MY": ("0.01", "320000"),
    "PH": ("0.01", "400000"),
    "SG": ("0.01", "10000"),
    "TH": ("30", "260000"),
    "US": ("0.01", "7600"),
    "VN": ("1", "180000000"),
    **dict.fromkeys(("FR", "DE", "IE", "IT", "ES"), _EU_RANGE),
}
# skus.list_price (Create Product, Update Price): "Applicable only for the US market", amount in
# [0.01, 7600].
_LIST_PRICE_RANGE = {"US": ("0.01", "7600")}
# title: [1, 255] in DE ES FR IE IT JP UK US, [1, 300] in BR MX, [25, 255] elsewhere.
_SHORT_TITLES_ALLOWED = frozenset({"DE", "ES", "FR", "IE", "IT", "JP", "UK", "GB", "US", "BR", "MX"})
_LONG_TITLES = frozenset({"BR", "MX"})
# package_dimensions: "Optional for ID, TH, VN regions."
_DIMENSIONS_OPTIONAL = frozenset({"ID", "TH", "VN"})


class UnknownRegionError(ValueError):
    """A region the reference gives no currency for: nothing can be priced for it."""


class Region(Value, frozen=True):
    code: str

    @property
    def known(self) -> bool:
        return self.code in _CURRENCY

    @property
    def currency(self) -> str:
        try:
            return _CURRENCY[self.code]
        except KeyError:
            raise UnknownRegionError(f"TikTok Shop region {self.code!r} has no documented currency") from None

    @property
    def decimals(self) -> int:
        """The currency's decimal places: every amount is rounded to them."""
        return 0 if self.currency in _WHOLE_CURRENCIES else 2

    @property
    def price_range(self) -> tuple[Decimal, Decimal]:
        """The lowest and highest SKU price TikTok allows (both included), in the currency."""
        try:
            low, high = _PRICE_RANGE[self.code]
        except KeyError:
            raise UnknownRegionError(f"TikTok Shop region {self.code!r} has no documented prices") from None
        return Decimal(low), Decimal(high)

    @property
    def list_price_range(self) -> tuple[Decimal, Decimal] | None:
        """The range of a SKU's list price (the strikethrough price); None where TikTok takes none."""
        bounds = _LIST_PRICE_RANGE.get(self.code)
        return None if bounds is None else (Decimal(bounds[0]), Decimal(bounds[1]))

    @property
    def takes_list_price(self) -> bool:
        return self.list_price_range is not None

    @property
    def category_version(self) -> str:
        # category_version: "US: v2 ... For US shops, you must pass v2"; other regions v1.
        return "v2" if self.code == "US" else "v1"

    @property
    def title_length(self) -> tuple[int, int]:
        low = 1 if self.code in _SHORT_TITLES_ALLOWED else 25
        return low, 300 if self.code in _LONG_TITLES else 255

    @property
    def dimensions_optional(self) -> bool:
        return self.code in _DIMENSIONS_OPTIONAL
