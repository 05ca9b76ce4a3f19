"""Hostile images for upload tests: decompression bombs, truncated and garbage files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bomb(width: int, height: int, *, rows: int = 8) -> bytes:
    """A valid PNG header declaring width × height (RGB), with `rows` rows of zeros
    compressed (a real bomb's IDAT would hold every row; the header is what costs)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * ((3 * width + 1) * rows), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png_bomb_full(width: int, height: int, *, color_type: int = 6) -> bytes:
    """A complete PNG of width × height zero pixels (RGBA by default), every row compressed:
    a 6300 × 6300 one is 150 KB and decodes to 160 MB."""
    bands = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\x00" * (bands * width + 1)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png_bomb_300kb() -> bytes:
    """The finding's 300 KB PNG declaring 50000 × 50000 pixels."""
    data = png_bomb(50_000, 50_000, rows=8)
    return data + b"\x00" * max(0, 300_000 - len(data))


def jpeg(width: int = 64, height: int = 40) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 190, 180)).save(buf, "JPEG")
    return buf.getvalue()


def png(width: int = 64, height: int = 40) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 190, 180)).save(buf, "PNG")
    return buf.getvalue()


def hostile_images() -> list[tuple[str, bytes]]:
    """(name, bytes) of every image an upload must answer with 422 bad_image."""
    good_jpeg, good_png = jpeg(), png()
    return [
        ("bomb_50000x50000_300kb", png_bomb_300kb()),
        ("bomb_20000x20000", png_bomb(20_000, 20_000, rows=1)),
        ("truncated_jpeg", good_jpeg[: len(good_jpeg) // 2]),
        ("truncated_png", good_png[: len(good_png) - 20]),
        ("jpeg_magic_garbage", b"\xff\xd8\xff" + b"\x17" * 500),
        ("png_magic_garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),
        ("webp_magic_garbage", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x01" * 100),
        ("png_zero_size", png_bomb(0, 0)),
    ]
