"""Issuing, revoking and checking personal API tokens (`threadline tokens ...`, REST API).

A token is `tl_` followed by 43 URL-safe characters from `secrets` (256 random bits). Only
its SHA-256 digest is stored: with that much entropy a fast unsalted hash is safe (nobody
can guess a preimage, so slow password hashing would buy nothing), and a lookup by digest
is a unique-index probe that reveals nothing about the token through timing. The clear
token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationError
from core.models import ApiToken, User, utcnow
from core.services.loading import user_by_email

TOKEN_PREFIX = "tl_"  # noqa: S105 (a prefix that makes leaked tokens easy to spot)
TOKEN_BYTES = 32
NAME_MAX = 100
# `last_used_at` is refreshed at most this often, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_TOKEN_SHAPE = re.compile(r"^tl_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `secret` is the only copy of the clear token; show it once."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if len(cleaned) > NAME_MAX:
        raise ValidationError(
            f"The token name is {len(cleaned)} characters; use {NAME_MAX} or fewer.", field="name"
        )
    return cleaned


async def create(session: AsyncSession, *, email: str, name: str | None = None) -> IssuedToken:
    """Issue a token that acts as the user with e-mail `email`."""
    user = await user_by_email(session, email)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        user_id=user.id, token_hash=hash_token(secret), name=_clean_name(name), created_at=utcnow()
    )
    session.add(token)
    await session.flush()
    return IssuedToken(token=token, secret=secret)


async def revoke(session: AsyncSession, *, token_id: int) -> ApiToken:
    """Revoke one token by id; revoking a revoked token changes nothing."""
    token = await session.get(ApiToken, token_id, with_for_update=True)
    if token is None:
        raise NotFound(
            f"There is no API token {token_id}. Revoke by user with `--user EMAIL` instead."
        )
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


async def revoke_all(session: AsyncSession, *, email: str) -> int:
    """Revoke every live token of a user; returns how many were revoked."""
    user = await user_by_email(session, email)
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def authenticate(session: AsyncSession, *, secret: str) -> User | None:
    """The user a live token acts as, or None for an unknown or revoked token."""
    if not _TOKEN_SHAPE.fullmatch(secret):  # not one of ours: no need to ask the database
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return await session.get(User, token.user_id)
