"""Small solid-colour PNG photos for the demo's evidence (made here rather than shipped)."""

import random
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def _png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


PHOTOS = [_png(c) for c in ((46, 139, 87), (31, 95, 168), (212, 160, 23), (178, 34, 34))]


def photo(rng: random.Random, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.png", rng.choice(PHOTOS), content_type="image/png")
