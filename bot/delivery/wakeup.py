"""Waking the worker promptly: in-process after a commit that wrote outbox rows, and, on
PostgreSQL, on `NOTIFY` from any process. Polling remains as the fallback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import make_url

from core.outbox import signal as outbox_signal

log = logging.getLogger(__name__)

RECONNECT_S = 2.0


def _nothing() -> None:
    return None


class Wakeup:
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._conninfo = (
            url.set(drivername="postgresql").render_as_string(hide_password=False)
            if url.get_backend_name() == "postgresql"
            else None
        )
        self._event = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] = _nothing

    async def start(self) -> None:
        self._unsubscribe = outbox_signal.add_listener(self._event.set)
        if self._conninfo is not None:
            self._listener = asyncio.create_task(self._listen(self._conninfo))

    async def stop(self) -> None:
        self._unsubscribe()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    def set(self) -> None:
        self._event.set()

    async def wait(self, seconds: float, *, also: asyncio.Event | None = None) -> None:
        """Return when woken, when `also` is set, or after `seconds`."""
        waiters = [asyncio.ensure_future(self._event.wait())]
        if also is not None:
            waiters.append(asyncio.ensure_future(also.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._event.clear()

    async def _listen(self, conninfo: str) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {outbox_signal.CHANNEL}")
                    self._event.set()  # catch up on anything committed while not listening
                    async for _notice in conn.notifies():
                        self._event.set()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.warning("LISTEN connection lost (%s); polling meanwhile", type(err).__name__)
                await asyncio.sleep(RECONNECT_S)
