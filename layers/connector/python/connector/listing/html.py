"""Shopify's descriptionHtml made into a TikTok listing description.

Create Product's ``description`` takes HTML of up to 10,000 characters, and its ``<img>`` tags must
point at TikTok-hosted images with ``src``, ``width`` and ``height``: Shopify's own image tags would
be refused, so they are dropped (the images are in the gallery), as are scripts, styles and
attributes a product page has no use for. The result is deterministic, so the sync compares the
description it would send with the one it sent (like with like) and one Shopify edit makes at most
one TikTok edit. nh3 (the Rust ammonia sanitizer) does the parsing: HTML is not a regular language.
"""

from __future__ import annotations

import html
import re

import nh3

MAX_DESCRIPTION = 10_000
TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"blockquote", "table", "thead", "tbody", "tr", "th", "td", "span", "div", "hr", "sub", "sup"}
)
_EMPTY_BLOCKS = re.compile(r"<(p|div|span)>\s*</\1>")
_SPACE = re.compile(r"\s+")


def tiktok_description(shopify_html: str, title: str) -> str:
    """The listing's description; a product without one is described by its title."""
    cleaned = nh3.clean(shopify_html or "", tags=set(TAGS), attributes={}, strip_comments=True)
    cleaned = _EMPTY_BLOCKS.sub("", _SPACE.sub(" ", cleaned)).strip()
    if not nh3.clean(cleaned, tags=set()).strip():
        cleaned = f"<p>{html.escape(title)}</p>"
    if len(cleaned) > MAX_DESCRIPTION:
        # Cut outside any tag, leaving room for the sanitizer to close the tags the cut left open.
        cut = cleaned[: MAX_DESCRIPTION - 200]
        if cut.rfind("<") > cut.rfind(">"):
            cut = cut[: cut.rfind("<")]
        cleaned = nh3.clean(cut, tags=set(TAGS), attributes={})
    return cleaned
