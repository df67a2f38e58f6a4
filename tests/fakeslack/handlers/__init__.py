"""Method handlers by name: each takes a `CallContext` and returns the body fields after `ok`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import CallContext
from . import chat, conversations, files, views

Handler = Callable[[CallContext], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    **chat.HANDLERS,
    **conversations.HANDLERS,
    **views.HANDLERS,
    **files.HANDLERS,
}

__all__ = ["HANDLERS", "Handler"]
