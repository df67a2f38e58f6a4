"""A Socket Mode endpoint (`/link`): push envelopes to a connected app and collect its acks.

apps.connections.open returns `ws://.../link/?ticket=...`; the app's Socket Mode client
connects, gets `hello`, and answers each envelope with `{"envelope_id": ..., "payload"?}`
(CONTRACT.md §3). `send()` returns that ack, so a test can assert on the ack payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web


class SocketModeEndpoint:
    """Connected Socket Mode clients and the acks they owe."""

    def __init__(self, app_id: str = "A0THREADLINE") -> None:
        self.app_id = app_id
        self.connections: list[web.WebSocketResponse] = []
        self.received: list[dict[str, Any]] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._connected = asyncio.Event()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections.append(ws)
        self._connected.set()
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "debug_info": {"host": "fakeslack", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_message(json.loads(msg.data))
        finally:
            self.connections.remove(ws)
            if not self.connections:
                self._connected.clear()
        return ws

    def _on_message(self, message: dict[str, Any]) -> None:
        self.received.append(message)
        future = self._acks.pop(str(message.get("envelope_id")), None)
        if future is not None and not future.done():
            future.set_result(message)

    async def wait_connected(self, within: float = 5.0) -> None:
        await asyncio.wait_for(self._connected.wait(), within)

    async def send(self, envelope: dict[str, Any], within: float = 5.0) -> dict[str, Any]:
        """Push an envelope to the newest connection; return the client's ack message."""
        await self.wait_connected(within)
        envelope = {"envelope_id": str(uuid.uuid4()), **envelope}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope["envelope_id"]] = future
        await self.connections[-1].send_json(envelope)
        try:
            return await asyncio.wait_for(future, within)
        finally:
            self._acks.pop(envelope["envelope_id"], None)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask clients to reconnect, as Slack does periodically."""
        for ws in list(self.connections):
            await ws.send_json({"type": "disconnect", "reason": reason})

    async def close(self) -> None:
        for ws in list(self.connections):
            with contextlib.suppress(Exception):
                await ws.close()
