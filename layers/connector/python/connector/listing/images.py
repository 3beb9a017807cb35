"""Shopify's product images as TikTok-hosted ones: every image downloaded, checked and sent to
Upload Product Image once, its uri remembered by Shopify image id (and content hash) so that a
re-upload, a retried chunk or a sync never uploads it again.

Limits from Upload Product Image (product/202309/images/upload): JPG, JPEG, PNG, WEBP, HEIC or BMP;
at most 10 MB; 100x100 to 20000x20000 pixels, and 300x300 to 4000x4000 for ``MAIN_IMAGE``. Pillow
reads the format and size from the file's header (it decodes nothing), so a bad image fails its
product before any create. Create Product takes gallery images uploaded with ``use_case=MAIN_IMAGE``
and variant images (``sku_img``) uploaded with ``use_case=ATTRIBUTE_IMAGE``: an image that is both
is uploaded once for each.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from connector.clients.images import ImageFetchError, ImageTooLargeError
from connector.clients.tiktok.errors import TikTokApiError
from connector.domain.entities import ImageUpload, ProductImage
from connector.values import Value

if TYPE_CHECKING:  # the clients load requests: imported where they are built
    from connector.clients.tiktok.shop import ShopClient
    from connector.dal.store import Store

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAIN_IMAGE, ATTRIBUTE_IMAGE = "MAIN_IMAGE", "ATTRIBUTE_IMAGE"
PIXELS = {MAIN_IMAGE: (300, 4000), ATTRIBUTE_IMAGE: (100, 20000)}
FORMATS = {"JPEG": "JPG", "PNG": "PNG", "WEBP": "WEBP", "BMP": "BMP"}  # Pillow's name -> TikTok's
HEIC_BRANDS = (b"heic", b"heix", b"mif1", b"heim", b"heis")  # Pillow reads no HEIC without a plugin

Fetch = Callable[[str], bytes]


class ImageProblemError(Exception):
    """An image TikTok would not take, or that could not be read: the reason, for the merchant."""


class ImageFacts(Value, frozen=True):
    format: str
    width: int
    height: int


def image_facts(data: bytes) -> ImageFacts | None:
    """Format and size from the header, or None when it is no image TikTok takes."""
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return ImageFacts("HEIC", 0, 0)  # its size is TikTok's to judge
    # Imported here: only an upload reads images, and Pillow would add to every cold start.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            name = FORMATS.get(image.format or "")
            return None if name is None else ImageFacts(name, image.width, image.height)
    except (UnidentifiedImageError, OSError):
        return None


def image_problem(data: bytes, use_case: str) -> str | None:
    if len(data) > MAX_IMAGE_BYTES:
        return f"larger than TikTok's {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
    facts = image_facts(data)
    if facts is None:
        return "not a JPG, PNG, WEBP, HEIC or BMP image"
    low, high = PIXELS[use_case]
    if facts.width and not (low <= facts.width <= high and low <= facts.height <= high):
        return f"{facts.width}x{facts.height} px, TikTok takes {low}x{low} to {high}x{high}"
    return None


class ImageUploader:
    """Uploads one shop's images, remembering each by Shopify image id and use case."""

    def __init__(self, store: Store, shop: str, api: ShopClient, fetch: Fetch) -> None:
        self._store, self._shop, self._api, self._fetch = store, shop, api, fetch
        self._known: dict[tuple[str, str], ImageUpload] = {}

    def read_ahead(self, images: Iterable[tuple[str, str]]) -> None:
        """What is remembered of these (image id, use case), in one read (a chunk's together)."""
        wanted = [key for key in images if key not in self._known]
        if wanted:
            self._known.update(self._store.image_uploads(self._shop, wanted))

    def uris(self, images: Sequence[tuple[int, ProductImage]], use_case: str) -> dict[str, str]:
        """TikTok's uri of each (position, image) for ``use_case``, by Shopify image id. Raises
        ImageProblemError naming the first image TikTok would refuse (nothing more is uploaded for
        that product)."""
        self.read_ahead((image.image_id, use_case) for _, image in images)
        return {image.image_id: self._uri(position, image, use_case) for position, image in images}

    def _uri(self, position: int, image: ProductImage, use_case: str) -> str:
        known = self._known.get((image.image_id, use_case))
        if known is not None and known.url == image.url:
            return known.tiktok_uri
        try:
            data = self._fetch(image.url)
        except ImageTooLargeError:
            raise ImageProblemError(f"image {position}: larger than TikTok's 10 MB") from None
        except ImageFetchError as error:
            raise ImageProblemError(f"image {position}: could not be read from Shopify ({error})") from None
        digest = hashlib.sha256(data).hexdigest()
        if known is not None and known.content_sha256 == digest:
            uri = known.tiktok_uri  # the same file at a new address
        else:
            problem = image_problem(data, use_case)
            if problem is not None:
                raise ImageProblemError(f"image {position}: {problem}")
            try:
                uri = self._api.upload_image(data, use_case).uri
            except TikTokApiError as refused:
                if not refused.refusal:
                    raise
                raise ImageProblemError(f"image {position}: TikTok refused it ({refused.message})") from None
        upload = ImageUpload(image.image_id, use_case, image.url, digest, uri)
        self._store.remember_image_upload(self._shop, upload)
        self._known[(image.image_id, use_case)] = upload
        return uri
