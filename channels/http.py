"""HTTP helpers shared by every gateway route: the JSON error shape and a body read with a hard
byte cap, whatever the request's headers declare (chunked bodies included)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class BodyTooLarge(Exception):
    """The request body exceeded its cap; nothing more of it was read."""


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The JSON shape of every gateway error."""
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, read chunk by chunk; `BodyTooLarge` as soon as it passes `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
