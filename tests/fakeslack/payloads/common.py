"""What every inbound payload carries: the app id, the verification token, and references to
teams, users and channels by the names the fake gave them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..server import FakeSlack

API_APP_ID = "A0THREADLINE"
VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack; still sent


def team_ref(slack: FakeSlack, team_id: str) -> dict[str, Any]:
    team = slack.teams.get(team_id)
    return {"id": team_id, "domain": team.domain if team else team_id.lower()}


def user_ref(slack: FakeSlack, user_id: str) -> dict[str, Any]:
    user = slack.users[user_id]
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id}


def channel_ref(slack: FakeSlack, channel_id: str) -> dict[str, Any]:
    return {"id": channel_id, "name": slack.channels[channel_id].name or "directmessage"}
