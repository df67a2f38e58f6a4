"""auth.*: who the calling token is (the bot of its team)."""

from __future__ import annotations

from typing import Any

from ..context import CallContext


def auth_test(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    return {
        "url": f"https://{team.domain}.slack.com/",
        "team": team.name,
        "user": "threadline",
        "team_id": team.id,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
        "app_id": team.app_id,
        "enterprise_id": team.enterprise_id,
        "is_enterprise_install": False,
    }


HANDLERS = {"auth.test": auth_test}
