"""users.*: people as the calling workspace sees them.

A user of another team is visible only through a shared channel (or as
`add_user(visible_to=...)` says), and e-mail addresses appear in users.info only when
`users:read.email` is granted.
"""

from __future__ import annotations

from typing import Any

from ..context import CallContext, SlackError
from ..records import User


def visible_user(ctx: CallContext, user_id: str | None) -> User:
    user = ctx.state.users.get(user_id or "")
    if user is None:
        raise SlackError("user_not_found")
    if not ctx.state.user_visible(user, ctx.bot_team.id):
        raise SlackError("user_not_visible")
    return user


def users_info(ctx: CallContext) -> dict[str, Any]:
    user = visible_user(ctx, ctx.str_arg("user"))
    return {"user": user.as_api(include_email=ctx.granted("users:read.email"))}


def users_lookup_by_email(ctx: CallContext) -> dict[str, Any]:
    email = (ctx.str_arg("email") or "").lower()
    team = ctx.bot_team
    for user in ctx.state.users.values():
        if user.team_id == team.id and (user.email or "").lower() == email:
            return {"user": user.as_api(include_email=True)}
    raise SlackError("users_not_found")


HANDLERS = {
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
}
