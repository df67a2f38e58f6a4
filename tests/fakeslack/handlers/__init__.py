"""Method handlers by name: each takes a `CallContext` and returns the body fields after `ok`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import CallContext
from . import apps, auth, chat, conversations, files, oauth, reactions, team, users, views

Handler = Callable[[CallContext], dict[str, Any]]

# One module per method family, as Slack's documentation files them.
FAMILIES = (apps, auth, chat, conversations, files, oauth, reactions, team, users, views)
HANDLERS: dict[str, Handler] = {
    name: handler for family in FAMILIES for name, handler in family.HANDLERS.items()
}

__all__ = ["HANDLERS", "Handler"]
