"""Read one uploaded file from a multipart request without reading past the size cap.

FastAPI's `UploadFile` parameter spools the whole body before the route runs, so a client
could make the server write gigabytes to disk before it is refused. Here the body is parsed
from the request stream, which stops with `PayloadTooLarge` as soon as it passes the cap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from policykg.core.errors import InvalidInput, PayloadTooLarge

# Room for the multipart boundaries and part headers around the file itself.
ENVELOPE_BYTES = 64 * 1024
SIZE_HINT = "set POLICYKG_MAX_FILE_MB to raise the limit"
FORM_HINT = "send multipart/form-data with the document in the field `file`, e.g. curl -F file=@policy.txt"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the upload is larger than {max_bytes} bytes", hint=SIZE_HINT)


async def _capped(request: Request, limit: int, max_bytes: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _too_large(max_bytes)
        yield chunk


async def read_upload(request: Request, *, field: str, max_bytes: int) -> Upload:
    """The file sent in `field` of a multipart/form-data request.

    Raises:
        PayloadTooLarge: the body or the file is larger than `max_bytes` (plus the envelope).
        InvalidInput: not multipart/form-data, malformed, or no file in `field`.
    """
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise InvalidInput(f"expected multipart/form-data, got {content_type.decode('latin-1') or 'no body type'}",
                           hint=FORM_HINT)
    limit = max_bytes + ENVELOPE_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(max_bytes)  # refused before a byte of the body is read
    parser = MultiPartParser(request.headers, _capped(request, limit, max_bytes),
                             max_files=1, max_fields=16, max_part_size=ENVELOPE_BYTES)
    try:
        form = await parser.parse()
    except MultiPartException as e:
        raise InvalidInput(f"the multipart body cannot be read: {e.message}", hint=FORM_HINT) from None
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise InvalidInput(f"no file in the form field `{field}`", hint=FORM_HINT)
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
        return Upload(upload.filename or "upload", data)
    finally:
        await form.close()
