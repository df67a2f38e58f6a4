"""The aiohttp application behind `threadline serve`: health endpoints and mounted surfaces."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from core import schema

log = logging.getLogger(__name__)

ENGINE_KEY = web.AppKey("engine", AsyncEngine)
READY_TIMEOUT_S = 2.0


async def healthz(_request: web.Request) -> web.Response:
    """The process is up and serving; says nothing about its dependencies."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and its schema is at the code's migration head."""
    engine = request.app[ENGINE_KEY]
    try:
        revision = await asyncio.wait_for(schema.current_revision(engine), READY_TIMEOUT_S)
    except Exception as exc:  # any failure to reach the database means not ready
        log.warning("readiness check failed: %s", type(exc).__name__)
        return web.json_response(
            {"status": "unavailable", "reason": "database unreachable"}, status=503
        )
    head = schema.head_revision()
    if revision != head:
        return web.json_response(
            {
                "status": "unavailable",
                "reason": f"database schema is at {revision or 'none'}, expected {head}; "
                f"run `{schema.UPGRADE_COMMAND}`",
            },
            status=503,
        )
    return web.json_response({"status": "ready", "revision": revision})


def create_web_app(engine: AsyncEngine) -> web.Application:
    app = web.Application()
    app[ENGINE_KEY] = engine
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
