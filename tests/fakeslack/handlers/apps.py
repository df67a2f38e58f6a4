"""apps.*: the Socket Mode URL (`apps.connections.open`), served by the fake's `/link`."""

from __future__ import annotations

from typing import Any

from ..context import CallContext


def connections_open(ctx: CallContext) -> dict[str, Any]:
    ws_base = ctx.state.base_url.replace("http://", "ws://", 1)
    return {"url": f"{ws_base}link/?ticket={ctx.state.new_id('T')}&app_id=A0THREADLINE"}


HANDLERS = {"apps.connections.open": connections_open}
