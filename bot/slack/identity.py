"""Who is this Slack user in Threadline? (SPEC §1, "a Slack user is mapped…")

Known identities are a database lookup. An unknown one is looked up once with `users.info`:
an e-mail whose domain belongs to exactly one org joins it as a member. Failures are
remembered for a while so a busy unknown user does not cost a `users.info` per message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import User
from core.services.directory import join_by_email_domain
from core.services.loading import user_by_slack

log = logging.getLogger(__name__)

NEGATIVE_TTL_S = 300.0


@dataclass(frozen=True)
class SlackIdentity:
    team: str
    user: str


def identity_of(body: Mapping[str, Any], context: Mapping[str, Any]) -> SlackIdentity | None:
    """The acting user's own team and id, which in Slack Connect may differ from the
    installation's team: prefer what the payload says about the user."""
    user_obj = body.get("user")
    event = body.get("event") or {}
    user_id = (
        (user_obj.get("id") if isinstance(user_obj, dict) else None)
        or body.get("user_id")
        or event.get("user")
        or context.get("user_id")
    )
    team_id = (
        (user_obj.get("team_id") if isinstance(user_obj, dict) else None)
        or event.get("user_team")
        or event.get("team")
        or body.get("user_team_id")
        or body.get("team_id")
        or (body.get("team") or {}).get("id")
        or context.get("team_id")
    )
    if not user_id or not team_id:
        return None
    return SlackIdentity(team=str(team_id), user=str(user_id))


class IdentityResolver:
    def __init__(self) -> None:
        self._unknown_until: dict[SlackIdentity, float] = {}

    async def resolve(
        self, session: AsyncSession, client: AsyncWebClient, who: SlackIdentity
    ) -> User | None:
        user = await user_by_slack(session, team=who.team, user=who.user)
        if user is not None:
            return user
        if self._unknown_until.get(who, 0.0) > time.monotonic():
            return None
        user = await self._join(session, client, who)
        if user is None:
            self._unknown_until[who] = time.monotonic() + NEGATIVE_TTL_S
        return user

    async def _join(
        self, session: AsyncSession, client: AsyncWebClient, who: SlackIdentity
    ) -> User | None:
        try:
            response = await client.users_info(user=who.user)
        except SlackApiError as err:
            log.info("users.info failed for an unknown user: %s", err.response.get("error"))
            return None
        info = response.get("user") or {}
        if info.get("is_bot") or info.get("deleted"):
            return None
        profile = info.get("profile") or {}
        email = profile.get("email")
        if not email:
            return None
        name = profile.get("real_name") or info.get("real_name") or info.get("name") or ""
        user = await join_by_email_domain(
            session, email=email, name=name, slack_team=who.team, slack_user=who.user
        )
        if user is not None:
            log.info("mapped a new Slack user to org %s", user.org.slug)
        return user


def not_mapped_text(who: SlackIdentity) -> str:
    return (
        "I don't know you yet, so nothing was recorded. Your Slack account's e-mail isn't "
        "linked to a Threadline organization. Ask your Threadline admin to add you (your "
        f"Slack id is `{who.user}` in workspace `{who.team}`) to the directory, then try again."
    )
