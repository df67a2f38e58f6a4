"""Who is this Slack user in Threadline? (SPEC §1, "a Slack user is mapped…")

Known identities are a database lookup in the request's own transaction. An unknown one is
looked up once with `users.info`, with no transaction open (see `UnknownSender`): an e-mail
whose domain belongs to exactly one org joins it as a member, in the request's transaction.
Failures are remembered for a while so a busy unknown user does not cost a `users.info` per
message.
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


@dataclass(frozen=True)
class SlackProfile:
    """What `users.info` says about a sender Threadline does not know yet."""

    email: str
    name: str


class UnknownSender(Exception):
    """The sender is not in the directory and Slack has not been asked about them yet.

    Raised inside a transaction, it ends it (nothing was written); the caller then asks
    Slack with `IdentityResolver.look_up`, no transaction open, and starts again."""

    def __init__(self, who: SlackIdentity) -> None:
        super().__init__(f"{who.user} in {who.team} is not known yet")
        self.who = who


class NotMapped(Exception):
    """The sender cannot be mapped to a Threadline user; `str()` tells them what to do."""

    def __init__(self, who: SlackIdentity) -> None:
        super().__init__(not_mapped_text(who))
        self.who = who


class IdentityResolver:
    """Maps senders to users, remembering for a while those Slack could not help with."""

    def __init__(self) -> None:
        self._unknown_until: dict[SlackIdentity, float] = {}

    async def user_in(
        self, session: AsyncSession, who: SlackIdentity, profile: SlackProfile | None = None
    ) -> User:
        """The sender's user in `session`'s transaction: known already, or joined by the
        e-mail domain of `profile`. Without a profile, an unknown sender raises
        `UnknownSender` (or `NotMapped`, when Slack recently could not help)."""
        user = await user_by_slack(session, team=who.team, user=who.user)
        if user is not None:
            return user
        if profile is None:
            if self._unknown_until.get(who, 0.0) > time.monotonic():
                raise NotMapped(who)
            raise UnknownSender(who)
        user = await join_by_email_domain(
            session,
            email=profile.email,
            name=profile.name,
            slack_team=who.team,
            slack_user=who.user,
        )
        if user is None:
            raise self._unmappable(who)
        log.info("mapped a new Slack user to org %s", user.org.slug)
        return user

    async def look_up(self, client: AsyncWebClient, who: SlackIdentity) -> SlackProfile:
        """Ask Slack about an unknown sender. Call it with no transaction open: Slack may
        take seconds, and on SQLite an open write transaction would stall every writer."""
        try:
            response = await client.users_info(user=who.user)
        except SlackApiError as err:
            log.info("users.info failed for an unknown user: %s", err.response.get("error"))
            raise self._unmappable(who) from None
        info = response.get("user") or {}
        profile = info.get("profile") or {}
        email = profile.get("email")
        if info.get("is_bot") or info.get("deleted") or not email:
            raise self._unmappable(who)
        name = profile.get("real_name") or info.get("real_name") or info.get("name") or ""
        return SlackProfile(email=str(email), name=str(name))

    def _unmappable(self, who: SlackIdentity) -> NotMapped:
        self._unknown_until[who] = time.monotonic() + NEGATIVE_TTL_S
        return NotMapped(who)


def not_mapped_text(who: SlackIdentity) -> str:
    return (
        "I don't know you yet, so nothing was recorded. Your Slack account's e-mail isn't "
        "linked to a Threadline organization. Ask your Threadline admin to add you (your "
        f"Slack id is `{who.user}` in workspace `{who.team}`) to the directory, then try again."
    )
