"""One JSON error shape for every failure: `{"error": {"code", "message", "field"}}`.

Status codes (also in the OpenAPI document):
400 the request body is not a JSON object · 401 missing, unknown or revoked token ·
403 the ticket is visible but the action is not allowed · 404 no such ticket, or one of
another tenant (the two are indistinguishable) · 409 the change collides with the ticket's
state (e.g. a stage move the table does not allow) · 422 a value is invalid, in the body
or the query string; `field` names it · 503 the database is unavailable (`Retry-After`).
"""

from __future__ import annotations

import logging
from typing import Any

import pydantic
from aiohttp import web
from sqlalchemy import exc as sa_exc

from api.schemas import ErrorBody, ErrorDetail, ErrorResponse
from core import errors

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
STREAMING_KEY = web.RequestKey("api.streaming", bool)

_STATUS = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.InvalidTransition: 409,
    errors.Conflict: 409,
    errors.ValidationError: 422,
}


class ApiError(Exception):
    """An error raised by the HTTP layer itself (auth, parsing), already with its status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorResponse(
            error=ErrorBody(code=code, message=message, field=field, details=details)
        )
        self.headers = headers or {}


def error_response(err: ApiError) -> web.Response:
    return web.json_response(
        err.body.model_dump(mode="json"), status=err.status, headers=err.headers
    )


def field_of(loc: tuple[int | str, ...]) -> str:
    """Pydantic's location → a field path: ("tags", 0) → "tags[0]", ("a", "b") → "a.b"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def from_pydantic(exc: pydantic.ValidationError, *, where: str) -> ApiError:
    details = [
        ErrorDetail(field=field_of(tuple(e["loc"])), message=_fix_message(e)) for e in exc.errors()
    ]
    first = details[0]
    message = f"{where} field '{first.field}': {first.message}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem(s), see details)"
    return ApiError(
        422, "validation_error", message, field=first.field, details=details if details else None
    )


PATTERN_FIXES = {
    "cursor": "is not a cursor this API handed out; pass `next_cursor` of the previous page "
    "unchanged, or leave it out for the first page.",
    "ticket_id": "is not a ticket id; use the form TKT-123 (or just 123).",
}


def _fix_message(error: Any) -> str:
    kind, name = error["type"], str(error["loc"][-1]) if error["loc"] else ""
    if kind == "extra_forbidden":
        return "is not a known field; remove it (see /api/v1/openapi.json for the fields)."
    if kind == "missing":
        return "is required; add it."
    if name in PATTERN_FIXES and kind in {"string_pattern_mismatch", "value_error"}:
        return PATTERN_FIXES[name]
    if kind == "string_pattern_mismatch":  # the one other pattern: `schemas.Text`
        return "must not contain NUL (\\u0000) characters; remove them."
    return f"{error['msg']}."


def from_core(err: errors.ThreadlineError) -> ApiError:
    status = next((s for kind, s in _STATUS.items() if isinstance(err, kind)), 400)
    field = err.field if isinstance(err, errors.ValidationError) else None
    return ApiError(status, err.code, err.message, field=field)


def unavailable() -> ApiError:
    return ApiError(
        503,
        "database_unavailable",
        f"The database is unavailable. Retry in {RETRY_AFTER_S} seconds.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


# Failures to reach or use the database that say nothing about the request itself.
_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except Exception as exc:
        if request.get(STREAMING_KEY):  # headers are out: abort the connection instead
            raise
        return error_response(_translate(exc))


def _translate(exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, errors.ThreadlineError):
        return from_core(exc)
    if isinstance(exc, web.HTTPException):
        return _from_http(exc)
    if isinstance(exc, sa_exc.DataError):  # a value the database cannot store or compare
        return ApiError(
            422,
            "validation_error",
            "A value cannot be stored as given; check the inputs' sizes "
            "and remove control characters.",
        )
    if isinstance(exc, sa_exc.IntegrityError):
        return ApiError(
            409, "conflict", "The change collided with a concurrent one; retry the request."
        )
    if isinstance(exc, _UNAVAILABLE):
        log.warning("database unavailable: %s", type(exc).__name__)
        return unavailable()
    log.error("unhandled error in the REST API", exc_info=exc)
    return ApiError(
        500, "internal_error", "Something failed on our side and was logged; retry later."
    )


def _from_http(exc: web.HTTPException) -> ApiError:
    if exc.status == 404:
        return ApiError(
            404, "not_found", "There is no such endpoint; see /api/v1/openapi.json for the paths."
        )
    if exc.status == 405:
        return ApiError(
            405,
            "method_not_allowed",
            f"This path does not accept {getattr(exc, 'method', 'that method')}; see "
            "/api/v1/openapi.json for the methods it accepts.",
            headers={k: v for k, v in exc.headers.items() if k == "Allow"},
        )
    if exc.status == 413:
        return ApiError(413, "too_large", "The request body is too large; send at most 1 MiB.")
    return ApiError(exc.status, "http_error", exc.reason)
