"""What a TikTok shop's region decides about its listings, as TikTok's Create Product reference
(product/202309) states it: the currency of every price, the category tree version, the title
length, and whether package dimensions may be left out."""

from __future__ import annotations

from dataclasses import dataclass

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
# title: [1, 255] in DE ES FR IE IT JP UK US, [1, 300] in BR MX, [25, 255] elsewhere.
_SHORT_TITLES_ALLOWED = frozenset({"DE", "ES", "FR", "IE", "IT", "JP", "UK", "GB", "US", "BR", "MX"})
_LONG_TITLES = frozenset({"BR", "MX"})
# package_dimensions: "Optional for ID, TH, VN regions."
_DIMENSIONS_OPTIONAL = frozenset({"ID", "TH", "VN"})


class UnknownRegionError(ValueError):
    """A region the reference gives no currency for: nothing can be priced for it."""


@dataclass(frozen=True)
class Region:
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
