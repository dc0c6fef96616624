"""Checking photos from the field before they are stored: the type is read from the file's first
bytes (not from the name or the declared type) and the size is bounded."""
from django.conf import settings

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class AttachmentRefused(Exception):
    def __init__(self, reason: str, status_code: int = 400):
        super().__init__(reason)
        self.status_code = status_code


def sniff_image_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def max_bytes() -> int:
    return int(getattr(settings, "TROUBLE_TICKET_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_photo(uploaded) -> str:
    """The MIME type of an acceptable photo, or AttachmentRefused naming the reason."""
    if uploaded.size > max_bytes():
        raise AttachmentRefused(f"file too large: {uploaded.size} bytes (at most {max_bytes()})", 413)
    if uploaded.size == 0:
        raise AttachmentRefused("empty file")
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    mime_type = sniff_image_type(head)
    if mime_type is None:
        raise AttachmentRefused("unsupported file type: only JPEG, PNG and WebP photos are accepted")
    return mime_type
