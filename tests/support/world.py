"""A small tiered world of orgs and users for service tests.

Tests work like the app does: one session per transaction. The world therefore holds ids,
and `await world.user(session, "carl")` loads a user into the session at hand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Organization, OrgKind, User

T = TypeVar("T")


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    org_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    async def act(self, name: str, service: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        """Run one service call as user `name` in its own transaction, like one request."""
        async with self.sessions.begin() as session:
            return await service(session, actor=await self.user(session, name), **kwargs)

    async def user(self, session: AsyncSession, name: str) -> User:
        return await session.get_one(User, self.user_ids[name])

    async def org(self, session: AsyncSession, slug: str) -> Organization:
        return await session.get_one(Organization, self.org_ids[slug])

    def org_id_of(self, name: str) -> int:
        return self.org_ids[_org_slug_of(name)]

    def email(self, name: str) -> str:
        return f"{name}@{_org_slug_of(name)}.example"


def _org_slug_of(name: str) -> str:
    return next(org for user, org, *_ in USERS if user == name)


# slug, kind, parent, team, ticket channel, escalations channel
ORGS = [
    ("revampd", OrgKind.PLATFORM, None, "T0PLAT", "C0PLATTIX", "C0ESC"),
    ("northwind", OrgKind.PARTNER, None, "T0NORTH", "C0NWTIX", None),
    ("contoso", OrgKind.SUB_ORG, "northwind", "T0NORTH", "C0CONTIX", None),
    ("fabrikam", OrgKind.SUB_ORG, "northwind", "T0NORTH", "C0FABTIX", None),
    ("globex", OrgKind.PARTNER, None, "T0GLOB", "C0GLOBTIX", None),
    ("initech", OrgKind.SUB_ORG, "globex", "T0GLOB", "C0INITIX", None),
    ("acme", OrgKind.SELF_SERVE, None, "T0ACME", "C0ACMETIX", None),
]

# name, org, rep, admin, slack user (None = no Slack identity)
USERS = [
    ("ana", "revampd", True, False, "U0ANA"),
    ("bob", "revampd", True, False, "U0BOB"),
    ("pam", "revampd", False, True, "U0PAM"),
    ("nina", "northwind", True, False, "U0NINA"),
    ("ned", "northwind", False, False, "U0NED"),
    ("noah", "northwind", False, False, None),
    ("carl", "contoso", False, False, "U0CARL"),
    ("cora", "contoso", False, True, "U0CORA"),
    ("fay", "fabrikam", False, False, "U0FAY"),
    ("gus", "globex", True, False, "U0GUS"),
    ("ivy", "initech", False, False, "U0IVY"),
    ("al", "acme", False, False, "U0AL"),
    ("amy", "acme", False, False, "U0AMY"),
]


async def build_world(
    sessions: async_sessionmaker[AsyncSession], *, notify: dict[str, str] | None = None
) -> World:
    """Create the world in one transaction; `notify` overrides orgs' notify modes."""
    world = World(sessions)
    notify = notify or {}
    async with sessions.begin() as session:
        orgs: dict[str, Organization] = {}
        for slug, kind, parent, team, channel, escalations in ORGS:
            org = Organization(
                slug=slug,
                name=slug.capitalize(),
                kind=kind,
                parent_id=orgs[parent].id if parent else None,
                slack_team=team,
                ticket_channel=channel,
                escalations_channel=escalations,
                notify=notify.get(slug, "channel"),
            )
            session.add(org)
            await session.flush()
            orgs[slug] = org
            world.org_ids[slug] = org.id
        for name, slug, rep, admin, slack_user in USERS:
            org = orgs[slug]
            user = User(
                email=f"{name}@{slug}.example",
                name=name.capitalize(),
                org=org,
                is_support_rep=rep,
                is_admin=admin,
                slack_team=org.slack_team if slack_user else None,
                slack_user=slack_user,
            )
            session.add(user)
            await session.flush()
            world.user_ids[name] = user.id
    return world
