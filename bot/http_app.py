"""The aiohttp application behind `threadline serve`: health endpoints and mounted surfaces."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import PREFIX as API_PREFIX
from api.app import create_api_app
from bot.delivery.metrics import refresh_queue_gauges
from bot.logs import request_id
from bot.slack.ack_gate import AckGate
from core import schema
from core.db import create_sessionmaker

log = logging.getLogger(__name__)

ENGINE_KEY = web.AppKey("engine", AsyncEngine)
SESSIONS_KEY = web.AppKey("sessions", async_sessionmaker[AsyncSession])
READY_TIMEOUT_S = 2.0
EVENTS_PATH = "/slack/events"


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


def mount_slack(app: web.Application, bolt: AsyncApp, acks: AckGate) -> None:
    """Bolt at /slack/events, plus the OAuth install and redirect pages in OAuth mode.

    An event request counts as awaiting its ack until Bolt answers it (`bot.slack.ack_gate`)."""

    async def events(request: web.Request) -> web.Response:
        with acks.awaiting_ack():
            bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    app.router.add_post(EVENTS_PATH, events)
    flow = bolt.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(flow.install_path, install)
    app.router.add_get(flow.redirect_uri_path, redirect)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus exposition; queue gauges are read from the shared database per scrape."""
    try:
        await asyncio.wait_for(refresh_queue_gauges(request.app[SESSIONS_KEY]), READY_TIMEOUT_S)
    except Exception as exc:  # still serve the process counters
        log.warning("could not read queue gauges: %s", type(exc).__name__)
    response = web.Response(body=generate_latest())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


@web.middleware
async def request_log(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """One log line per request, tagged with a request id (the caller's X-Request-Id, or new)."""
    rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
    token = request_id.set(rid)
    started = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,  # never the query string: OAuth codes travel there
                "status": status,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        request_id.reset(token)


def create_web_app(
    engine: AsyncEngine,
    bolt: AsyncApp | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    acks: AckGate | None = None,
) -> web.Application:
    """`acks`: the gate the app's listeners wait on before working (`bot.slack.ack_gate`)."""
    app = web.Application(middlewares=[request_log])
    app[ENGINE_KEY] = engine
    app[SESSIONS_KEY] = sessions or create_sessionmaker(engine)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.add_subapp(API_PREFIX, create_api_app(app[SESSIONS_KEY]))
    if bolt is not None:
        mount_slack(app, bolt, acks or AckGate())
    return app
