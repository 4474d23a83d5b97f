"""How files and XML that devices and users sent go out: as the type their name implies from a
short allow-list (else application/octet-stream), never as the type the sender claimed, and as
downloads (raster images may show inline). With the policy server/security_headers.py puts on
every non-page response, a browser neither renders nor runs any of it on our origin."""

from __future__ import annotations

from pathlib import PurePosixPath

from starlette.responses import Response

from server.rest.http import attachment_header

# The types a form or a device has reason to send. Never HTML, SVG, XML or script types:
# those are active content in a browser.
SAFE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".heic": "image/heic",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".amr": "audio/amr",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".3ga": "audio/3gpp",
    ".mp4": "video/mp4",
    ".3gp": "video/3gpp",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
}
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"})
OCTET_STREAM = "application/octet-stream"
XML_TYPE = "application/xml; charset=utf-8"


def safe_media_type(file_name: str) -> str:
    """The type a file is served as, from its name alone."""
    return SAFE_TYPES.get(PurePosixPath(file_name).suffix.lower(), OCTET_STREAM)


def file_headers(file_name: str) -> dict[str, str]:
    """Content-Type and Content-Disposition for a file someone sent: inline only for raster
    images (a page may link to a photo to look at it), a download for everything else."""
    media_type = safe_media_type(file_name)
    disposition = attachment_header(file_name)
    if media_type in INLINE_TYPES:
        disposition = {
            "Content-Disposition": disposition["Content-Disposition"].replace(
                "attachment;", "inline;", 1
            )
        }
    return {"Content-Type": media_type, **disposition}


def xml_download(body: bytes, file_name: str) -> Response:
    """XML a device or a user sent (a submission, an XForm), byte for byte, as a download.
    Clients (Collect, pyodk, ruODK) read the body whatever the disposition."""
    return Response(body, media_type=XML_TYPE, headers=attachment_header(file_name))
