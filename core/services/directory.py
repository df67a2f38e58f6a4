"""Directory import (idempotent upsert by slug / e-mail) and export, plus user lookups."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import NotFound, ValidationError
from core.formats.directory_file import DirectoryFile, OrgEntry, OrgSlack, UserEntry, UserSlack
from core.models import Organization, OrgEmailDomain, OrgKind, User


@dataclass
class ImportReport:
    created_orgs: list[str] = field(default_factory=list)
    updated_orgs: list[str] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)
    updated_users: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"orgs: {len(self.created_orgs)} created, {len(self.updated_orgs)} updated; "
            f"users: {len(self.created_users)} created, {len(self.updated_users)} updated"
        )


async def import_directory(
    session: AsyncSession,
    directory: DirectoryFile,
    *,
    installed_teams: Collection[str] | None = None,
) -> ImportReport:
    """Upsert every org and user of a validated file; nothing changes if any check fails.

    `installed_teams` (OAuth mode) lists workspaces that installed the app; orgs in other
    workspaces are reported as warnings, since their deliveries wait for an install.
    """
    orgs = {
        o.slug: o
        for o in await session.scalars(
            select(Organization).options(selectinload(Organization.email_domains))
        )
    }
    users = {u.email: u for u in await session.scalars(select(User))}
    _check_against_database(directory, orgs, users)
    report = ImportReport()

    for entry in directory.orgs:
        org = orgs.get(entry.slug)
        if org is None:
            org = Organization(slug=entry.slug, email_domains=[])
            session.add(org)
            orgs[entry.slug] = org
            report.created_orgs.append(entry.slug)
        elif _org_differs(org, entry, orgs):
            report.updated_orgs.append(entry.slug)
        _apply_org(org, entry)
    await session.flush()
    for entry in directory.orgs:
        orgs[entry.slug].parent_id = orgs[entry.parent].id if entry.parent else None

    for user_entry in directory.users:
        org = orgs[user_entry.org]
        user = users.get(user_entry.email)
        if user is None:
            user = User(email=user_entry.email)
            session.add(user)
            report.created_users.append(user_entry.email)
        elif _user_differs(user, user_entry, org):
            report.updated_users.append(user_entry.email)
        _apply_user(user, user_entry, org)
    await session.flush()

    if installed_teams is not None:
        for entry in directory.orgs:
            if entry.slack and entry.slack.team not in installed_teams:
                report.warnings.append(
                    f"org '{entry.slug}': workspace {entry.slack.team} has not installed the "
                    "app; its deliveries wait until it does (visit /slack/install from it)"
                )
    return report


def _check_against_database(
    directory: DirectoryFile, orgs: dict[str, Organization], users: dict[str, User]
) -> None:
    problems: list[str] = []
    platform = next(o for o in directory.orgs if o.kind == OrgKind.PLATFORM.value)
    for org in orgs.values():
        if org.kind == OrgKind.PLATFORM and org.slug != platform.slug:
            problems.append(
                f"the database already has platform org '{org.slug}'; the file's platform "
                f"'{platform.slug}' would make two. Use slug '{org.slug}' for the platform."
            )
    claimed = {(u.slack.team, u.slack.user): u.email for u in directory.users if u.slack}
    for user in users.values():
        key = (user.slack_team, user.slack_user)
        if key in claimed and claimed[key] != user.email:
            in_file = any(u.email == user.email for u in directory.users)
            if not in_file:
                problems.append(
                    f"Slack user {key[1]} in team {key[0]} already belongs to {user.email}; "
                    f"remove it from {claimed[key]} or list {user.email} with another identity."
                )
    if problems:
        raise ValidationError(
            "The directory file conflicts with the database:\n"
            + "\n".join(f"- {p}" for p in problems)
        )


def _org_differs(org: Organization, entry: OrgEntry, orgs: dict[str, Organization]) -> bool:
    parent_id = orgs[entry.parent].id if entry.parent else None
    slack = entry.slack
    return (
        org.name != entry.name
        or org.kind != entry.kind
        or org.parent_id != parent_id
        or sorted(d.domain for d in org.email_domains) != sorted(entry.email_domains)
        or org.slack_team != (slack.team if slack else None)
        or org.ticket_channel != (slack.ticket_channel if slack else None)
        or org.escalations_channel != (slack.escalations_channel if slack else None)
        or org.notify != (slack.notify if slack else "channel")
    )


def _apply_org(org: Organization, entry: OrgEntry) -> None:
    org.name = entry.name
    org.kind = entry.kind
    slack = entry.slack
    org.slack_team = slack.team if slack else None
    org.ticket_channel = slack.ticket_channel if slack else None
    org.escalations_channel = slack.escalations_channel if slack else None
    org.notify = slack.notify if slack else "channel"
    wanted = set(entry.email_domains)
    org.email_domains = [d for d in org.email_domains if d.domain in wanted] + [
        OrgEmailDomain(domain=d) for d in sorted(wanted - {x.domain for x in org.email_domains})
    ]


def _user_differs(user: User, entry: UserEntry, org: Organization) -> bool:
    return (
        user.name != entry.name
        or user.org_id != org.id
        or user.is_support_rep != ("support_rep" in entry.roles)
        or user.is_admin != ("admin" in entry.roles)
        or user.slack_team != (entry.slack.team if entry.slack else None)
        or user.slack_user != (entry.slack.user if entry.slack else None)
    )


def _apply_user(user: User, entry: UserEntry, org: Organization) -> None:
    user.name = entry.name
    user.org = org
    user.org_id = org.id
    user.is_support_rep = "support_rep" in entry.roles
    user.is_admin = "admin" in entry.roles
    user.slack_team = entry.slack.team if entry.slack else None
    user.slack_user = entry.slack.user if entry.slack else None


async def export_directory(session: AsyncSession) -> DirectoryFile:
    orgs = list(
        await session.scalars(
            select(Organization)
            .options(selectinload(Organization.email_domains), selectinload(Organization.parent))
            .order_by(Organization.id)
        )
    )
    if not orgs:
        raise NotFound(
            "The directory is empty. Import one first: `threadline directory import FILE`."
        )
    users = list(await session.scalars(select(User).order_by(User.id)))
    return DirectoryFile(
        orgs=[
            OrgEntry(
                slug=o.slug,
                name=o.name,
                kind=o.kind,  # type: ignore[arg-type]
                parent=o.parent.slug if o.parent else None,
                email_domains=sorted(d.domain for d in o.email_domains),
                slack=(
                    OrgSlack(
                        team=o.slack_team,
                        ticket_channel=o.ticket_channel,
                        escalations_channel=o.escalations_channel,
                        notify=o.notify,  # type: ignore[arg-type]
                    )
                    if o.slack_team
                    else None
                ),
            )
            for o in orgs
        ],
        users=[
            UserEntry(
                email=u.email,
                name=u.name,
                org=u.org.slug,
                roles=[r.value for r in u.roles if r != "member"] or ["member"],
                slack=(
                    UserSlack(team=u.slack_team, user=u.slack_user)
                    if u.slack_team and u.slack_user
                    else None
                ),
            )
            for u in users
        ],
    )


async def orgs_for_email_domain(session: AsyncSession, domain: str) -> list[Organization]:
    return list(
        await session.scalars(
            select(Organization)
            .join(OrgEmailDomain, OrgEmailDomain.org_id == Organization.id)
            .where(OrgEmailDomain.domain == domain.strip().lower())
        )
    )


async def join_by_email_domain(
    session: AsyncSession, *, email: str, name: str, slack_team: str, slack_user: str
) -> User | None:
    """Map a new Slack identity to a user (SPEC §1): an existing user with that e-mail gets
    the identity; otherwise, when the domain belongs to exactly one org, a new member joins.
    Returns None when neither applies."""
    email = email.strip().lower()
    existing = await session.scalar(select(User).where(User.email == email))
    if existing is not None:
        if existing.slack_user is not None and (existing.slack_team, existing.slack_user) != (
            slack_team,
            slack_user,
        ):
            return None  # the e-mail is already bound to another Slack identity
        existing.slack_team, existing.slack_user = slack_team, slack_user
        return existing
    domain = email.rpartition("@")[2]
    candidates = await orgs_for_email_domain(session, domain)
    if len(candidates) != 1:
        return None
    user = User(
        email=email,
        name=name or email.partition("@")[0],
        org=candidates[0],
        slack_team=slack_team,
        slack_user=slack_user,
    )
    session.add(user)
    await session.flush()
    return user
