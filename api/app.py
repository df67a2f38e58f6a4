"""The REST API sub-application, mounted by `bot.http_app.create_web_app` at /api/v1.

The route table is the list of `Endpoint`s of the route modules; the same list registers
the aiohttp routes and generates `/api/v1/openapi.json`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import routes_account, routes_messages, routes_tickets
from api.endpoint import Endpoint, to_handler
from api.errors import error_middleware
from api.openapi import build_document

PREFIX = "/api/v1"
OPENAPI_PATH = "/openapi.json"

# `/tickets/export` comes before `/tickets/{ticket_id}`: aiohttp matches in this order.
ENDPOINTS: list[Endpoint] = [
    *routes_account.ENDPOINTS,
    *routes_tickets.ENDPOINTS,
    *routes_messages.ENDPOINTS,
]


def openapi_document() -> dict[str, Any]:
    return build_document(ENDPOINTS)


def create_api_app(sessions: async_sessionmaker[AsyncSession]) -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    for endpoint in ENDPOINTS:
        app.router.add_route(endpoint.method, endpoint.path, to_handler(endpoint, sessions))
    document = openapi_document()

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, openapi)
    return app
