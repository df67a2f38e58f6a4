"""`Authorization: Bearer <token>`: which user a request acts as.

The token is checked in its own short transaction, so `last_used_at` is recorded even when
the request itself then fails and rolls back.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import ApiError
from core.services import api_tokens

CHALLENGE = 'Bearer realm="threadline"'
HOW_TO_GET_ONE = "Create one with `threadline tokens create --user EMAIL`."


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": CHALLENGE})


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise _refuse(
            "missing_token",
            f"Send an API token as `Authorization: Bearer <token>`. {HOW_TO_GET_ONE}",
        )
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _refuse(
            "invalid_authorization",
            f"The Authorization header must read `Bearer <token>`. {HOW_TO_GET_ONE}",
        )
    return secret.strip()


async def authenticate(request: web.Request, sessions: async_sessionmaker[AsyncSession]) -> int:
    """The id of the user the request acts as; 401 for a missing, unknown or revoked token."""
    secret = bearer_token(request)
    async with sessions.begin() as session:
        user = await api_tokens.authenticate(session, secret=secret)
        user_id = user.id if user is not None else None
    if user_id is None:
        raise _refuse(
            "invalid_token", f"The API token is not valid or was revoked. {HOW_TO_GET_ONE}"
        )
    return user_id
