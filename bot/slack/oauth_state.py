"""OAuth `state` values that are both single-use (stored) and signed with SLACK_STATE_SECRET.

slack_sdk's SQLAlchemy state store makes a state usable once; the signature additionally
proves a state was issued by this deployment, so a forged or foreign state is refused
before the database is consulted.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

STATE_TABLE = "slack_oauth_states"


class SignedOAuthStateStore(AsyncOAuthStateStore):
    def __init__(self, *, engine: AsyncEngine, secret: str, expiration_seconds: int) -> None:
        self._stored = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=expiration_seconds, engine=engine, table_name=STATE_TABLE
        )
        self._key = secret.encode()

    @property
    def logger(self) -> Any:
        return self._stored.logger

    def _sign(self, state: str) -> str:
        return hmac.new(self._key, state.encode(), hashlib.sha256).hexdigest()[:32]

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = await self._stored.async_issue(*args, **kwargs)
        return f"{state}.{self._sign(state)}"

    async def async_consume(self, state: str) -> bool:
        raw, _, signature = state.rpartition(".")
        if not raw or not hmac.compare_digest(signature, self._sign(raw)):
            return False
        return await self._stored.async_consume(raw)
