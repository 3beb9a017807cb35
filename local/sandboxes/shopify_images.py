"""The bytes the sandbox's CDN path serves for a product image: a real file of the width and height
GraphQL reports, cheap to make (built once per size and format, then kept).

PNG (www.w3.org/TR/png-3/): signature, IHDR, one IDAT of a solid colour, IEND, every chunk with its
CRC; an oversized file gets a private ancillary chunk of padding, which decoders skip. GIF
(www.w3.org/Graphics/GIF/spec-gif89a.txt): a logical screen of the stated size holding a 1x1 image,
a format TikTok does not take (an unsupported-format case).
"""

from __future__ import annotations

import functools
import struct
import zlib

CONTENT_TYPES = {"png": "image/png", "gif": "image/gif"}
COLOUR = b"\x2a\x7a\xb0"  # a solid blue


def image_bytes(format: str, width: int, height: int, min_bytes: int = 0) -> bytes:
    if format == "gif":
        return _gif(width, height)
    if format != "png":
        raise ValueError(f"the sandbox serves png and gif images, not {format}")
    return _png(width, height, min_bytes)


@functools.lru_cache(maxsize=16)
def _png(width: int, height: int, min_bytes: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    compressor = zlib.compressobj(9)
    row = b"\x00" + COLOUR * width  # filter type 0, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    chunks = [_chunk(b"IHDR", header), _chunk(b"IDAT", data)]
    size = 8 + sum(len(c) for c in chunks) + 12
    if min_bytes > size:
        chunks.append(_chunk(b"sbPd", b"\x00" * (min_bytes - size - 12)))  # ancillary, private
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=16)
def _gif(width: int, height: int) -> bytes:
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0)  # a 2-colour global table
    palette = COLOUR + b"\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    pixels = b"\x02\x02\x44\x01\x00"  # LZW minimum code size 2, one sub-block: clear, 0, end
    return b"GIF89a" + screen + palette + image + pixels + b"\x3b"


def png_size(content: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR: what tests check the served bytes by."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", content[16:24])
    return width, height
