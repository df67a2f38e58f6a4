"""oauth.*: exchanging an install's code (made by `add_oauth_code`) for its team's bot token."""

from __future__ import annotations

from typing import Any

from ..context import CallContext, SlackError


def oauth_v2_access(ctx: CallContext) -> dict[str, Any]:
    state = ctx.state
    if state.oauth_client is not None:
        client_id, client_secret = state.oauth_client
        if ctx.str_arg("client_id") != client_id:
            raise SlackError("invalid_client_id")
        if ctx.str_arg("client_secret") != client_secret:
            raise SlackError("bad_client_secret")
    if ctx.str_arg("grant_type") not in (None, "authorization_code"):
        raise SlackError("invalid_grant_type")
    code = state.oauth_codes.get(ctx.str_arg("code") or "")
    if code is None or code.used:
        raise SlackError("invalid_code")
    code.used = True
    team = state.teams[code.team_id]
    scopes = sorted(team.scopes if code.scopes is None else code.scopes)
    team.scopes, team.revoked = set(scopes), False
    return {
        "access_token": team.bot_token,
        "token_type": "bot",
        "scope": ",".join(scopes),
        "bot_user_id": team.bot_user_id,
        "app_id": team.app_id,
        "team": {"id": team.id, "name": team.name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": code.user_id},
    }


HANDLERS = {"oauth.v2.access": oauth_v2_access}
