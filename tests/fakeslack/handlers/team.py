"""team.*: a workspace, visible to the caller when it is theirs or shares a channel with it."""

from __future__ import annotations

from typing import Any

from ..context import CallContext, SlackError


def team_info(ctx: CallContext) -> dict[str, Any]:
    caller = ctx.bot_team
    team_id = ctx.str_arg("team") or caller.id
    team = ctx.state.teams.get(team_id)
    connected = team_id == caller.id or any(
        c.visible_to(caller.id) and c.visible_to(team_id) for c in ctx.state.channels.values()
    )
    if team is None or not connected:
        raise SlackError("team_not_found")
    return {"team": team.as_api()}


HANDLERS = {"team.info": team_info}
