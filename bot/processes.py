"""`threadline serve` and `threadline worker`: long-running processes and their shutdown."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.slack_access import access_from_settings
from bot.delivery.worker import DeliveryWorker
from bot.heap import settle_heap
from bot.http_app import create_web_app
from bot.slack.app import SlackMode, create_runtime
from bot.slack.install_mode import missing_settings_hint
from core.config import Settings
from core.db import create_engine, create_sessionmaker

log = logging.getLogger("threadline")


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def worker_engine(settings: Settings) -> AsyncEngine:
    """The worker's connection pool, its own so that claiming never queues behind the web
    app's requests. A handful of connections serves 32 deliveries in flight (each holds one
    only briefly) and keeps several workers well inside PostgreSQL's connection limit."""
    size = 1 if settings.is_sqlite else min(settings.delivery_concurrency, 8) + 2
    return create_engine(settings.database_url, pool_size=size, max_overflow=0)


def build_worker(settings: Settings, engine: AsyncEngine) -> DeliveryWorker | None:
    access = access_from_settings(settings, engine)
    if access is None:
        return None
    pool = worker_engine(settings)
    return DeliveryWorker(settings, create_sessionmaker(pool), access, owned_engine=pool)


async def serve(engine: AsyncEngine, settings: Settings, args: argparse.Namespace) -> int:
    sessions = create_sessionmaker(engine)
    runtime = create_runtime(settings, sessions, engine)
    socket_mode = runtime is not None and runtime.mode == SlackMode.SOCKET_MODE
    bolt = runtime.app if runtime and not socket_mode else None
    app = create_web_app(engine, bolt, sessions, acks=runtime.acks if runtime else None)
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    stop = stop_on_signals()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    socket: AsyncSocketModeHandler | None = None
    worker_task: asyncio.Task[None] | None = None
    try:
        if runtime is not None:
            await runtime.start()
        await web.TCPSite(runner, host, port).start()
        log.info(
            "threadline serving on http://%s:%s (database: %s)", host, port, _safe_url(settings)
        )
        if runtime is not None and socket_mode:
            assert settings.slack_app_token is not None
            socket = AsyncSocketModeHandler(
                runtime.app, settings.slack_app_token.get_secret_value()
            )
            await socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack over Socket Mode")
        settle_heap()
        worker = None if args.no_worker else build_worker(settings, engine)
        if worker is not None:
            worker_task = asyncio.create_task(worker.run(stop))
        await stop.wait()
    finally:
        log.info("shutting down")
        stop.set()
        if worker_task is not None:
            await worker_task
        if socket is not None:
            await socket.close_async()  # type: ignore[no-untyped-call]
        await runner.cleanup()
        if runtime is not None:
            await runtime.close()
    return 0


async def run_worker(engine: AsyncEngine, settings: Settings) -> int:
    worker = build_worker(settings, engine)
    if worker is None:
        log.error("nothing to deliver to: %s", missing_settings_hint(settings))
        return 2
    settle_heap()
    await worker.run(stop_on_signals())
    return 0
