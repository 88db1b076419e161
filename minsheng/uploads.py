"""What every app accepts as an uploaded image or PDF: the type sniffed from the first bytes of the
content, never trusted from the file name or the browser's content type."""

from collections.abc import Sequence
from dataclasses import dataclass

SNIFFERS: Sequence[tuple[bytes, int, str, str]] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"WEBP", 8, "image/webp", "webp"),
    (b"%PDF-", 0, "application/pdf", "pdf"),
)


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes of a file, or None when it is not an image or PDF."""
    for magic, offset, content_type, extension in SNIFFERS:
        if head[offset:offset + len(magic)] == magic and (extension != "webp" or head[:4] == b"RIFF"):
            return content_type, extension
    return None


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the services see it: its name (for people) and its bytes."""

    name: str
    data: bytes
