"""A client of the REST API for tests: the shared test world, a token per person, and calls.

It talks to `bot.http_app.create_web_app` (the app `threadline serve` runs) over a real
local HTTP server, so routing, middleware and serialization are all in the path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.http_app import create_web_app
from core.services import api_tokens
from tests.support.world import World, build_world

API = "/api/v1"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), self.body
        assert "error" in self.body, self.body
        error: dict[str, Any] = self.body["error"]
        return error


@dataclass
class Api:
    client: TestClient[Any, Any]
    world: World
    tokens: dict[str, str] = field(default_factory=dict)

    async def token_for(self, name: str, label: str = "tests") -> str:
        if name not in self.tokens:
            async with self.world.sessions.begin() as session:
                issued = await api_tokens.create(session, email=self.world.email(name), name=label)
            self.tokens[name] = issued.secret
        return self.tokens[name]

    async def call(
        self,
        method: str,
        path: str,
        *,
        as_: str | None = None,
        token: str | None = None,
        json: Any = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        headers = {}
        if as_ is not None:
            token = await self.token_for(as_)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.client.request(
            method, API + path, headers=headers, json=json, data=data, params=params
        ) as response:
            if response.content_type == "application/json":
                body: Any = await response.json()
            else:
                body = await response.text()
            return Answer(response.status, body, dict(response.headers))

    async def new_ticket(self, name: str, title: str = "Printer on fire", **fields: Any) -> str:
        answer = await self.call("POST", "/tickets", as_=name, json={"title": title, **fields})
        assert answer.status == 201, answer.body
        ticket_id: str = answer.body["id"]
        return ticket_id


@asynccontextmanager
async def api_client(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    *,
    notify: dict[str, str] | None = None,
) -> AsyncIterator[Api]:
    world = await build_world(sessions, notify=notify)
    async with TestClient(TestServer(create_web_app(engine, sessions=sessions))) as client:
        yield Api(client, world)


def example_path(path: str, ticket_id: str) -> str:
    """An endpoint's path template with a ticket id in it."""
    return path.replace("{ticket_id}", ticket_id)
