"""The org/user directory file (SPEC §5): parse, validate and render it.

``threadline directory import`` rejects an invalid file whole, so an operator must be able to
fix every mistake in one pass: parsing checks everything, collects *all* problems with their
line numbers and names the fix in each, and returns nothing unless the whole file is valid.
Pure: no database and no I/O besides the text given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic import ValidationError as PydanticError

from core.errors import ValidationError
from core.formats.directory_fields import (
    NOT_PARTNER,
    ChannelId,
    Domain,
    Name,
    Role,
    Slug,
    TeamId,
    UserId,
    check_email,
    check_roles,
    check_unique,
)
from core.formats.yaml_lines import (
    LineMap,
    Path,
    Problem,
    Report,
    did_you_mean,
    load_with_lines,
    pydantic_problems,
    syntax_problem,
    text_at,
    value_at,
)

__all__ = [
    "DirectoryFile",
    "DirectoryFileInvalid",
    "OrgEntry",
    "OrgSlack",
    "Problem",
    "UserEntry",
    "UserSlack",
    "parse_directory",
]

_HINTS = {
    "slug": " (a short id: lowercase letters, digits and hyphens)",
    "name": " (the display name)",
    "kind": " (one of platform, partner, sub_org, self_serve)",
    "email": " (the user's e-mail address)",
    "org": " (the slug of the user's org)",
    "team": " (the Slack team id, like T0123ABCD)",
    "user": " (the Slack member id, like U0123ABCD)",
}


class _Entry(BaseModel):
    """Strict, so YAML's surprises (``no`` is false, ``2024-01-01`` a date) are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class OrgSlack(_Entry):
    team: TeamId
    ticket_channel: ChannelId | None = None
    escalations_channel: ChannelId | None = None
    notify: Literal["channel", "dm", "both"] = "channel"


class OrgEntry(_Entry):
    slug: Slug
    name: Name
    kind: Literal["platform", "partner", "sub_org", "self_serve"]
    parent: Slug | None = None
    email_domains: Annotated[list[Domain], AfterValidator(check_unique)] = []
    slack: OrgSlack | None = None


class UserSlack(_Entry):
    team: TeamId
    user: UserId


class UserEntry(_Entry):
    email: Annotated[str, AfterValidator(check_email)]
    name: Name
    org: Slug
    roles: Annotated[list[Role], AfterValidator(check_roles)] = ["member"]
    slack: UserSlack | None = None


class DirectoryFile(_Entry):
    orgs: list[OrgEntry]
    users: list[UserEntry] = []

    @model_validator(mode="after")
    def _consistent(self) -> DirectoryFile:
        """A directory built in code obeys the cross-entry rules too, so it always renders."""
        data, report = self.model_dump(), Report(LineMap())
        _check_orgs(data["orgs"], report)
        _check_users(data["orgs"], data["users"], report)
        if report.problems:
            raise ValueError("; ".join(p.message for p in report.problems))
        return self


class DirectoryFileInvalid(ValidationError):
    """The file was rejected whole; ``str()`` lists every problem, one per line, in order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- parsing -------------------------------------------------------------------------------


def parse_directory(text: str) -> DirectoryFile:
    """Parse and validate a directory file; raise ``DirectoryFileInvalid`` listing all problems."""
    if not text.strip():
        msg = "the file is empty; it needs an `orgs:` list with the platform org, and `users:`"
        raise DirectoryFileInvalid([Problem(1, msg)])
    try:
        data, lines = load_with_lines(text)
    except yaml.YAMLError as err:
        raise DirectoryFileInvalid([syntax_problem(err, text)]) from None
    report = Report(lines)
    if not isinstance(data, dict):  # also a file of comments only: there is no node at all
        msg = "the file must be a mapping with an `orgs:` list and a `users:` list"
        report.problems.append(Problem(lines.line(()) or 1, msg))
        raise DirectoryFileInvalid(report.problems)
    for key in data:
        if key not in ("orgs", "users"):
            hint = did_you_mean(key, ("orgs", "users"))
            report.add(
                (key,), f"unknown top-level key `{key}`{hint} (allowed: orgs, users)", key=True
            )
    orgs, users = _section(data, "orgs", report), _section(data, "users", report)
    valid_orgs = _validate(OrgEntry, "orgs", orgs or [], report)
    valid_users = _validate(UserEntry, "users", users or [], report)
    if orgs is not None:  # without orgs, every reference to one would be a spurious problem
        _check_orgs(orgs, report)
        _check_users(orgs, users or [], report)
    if report.problems:
        raise DirectoryFileInvalid(report.problems)
    return DirectoryFile(orgs=valid_orgs, users=valid_users)


def _section(data: dict[Any, Any], key: str, report: Report) -> list[Any] | None:
    """The ``orgs``/``users`` list; ``None`` when absent or unusable (a missing users is [])."""
    if key not in data:
        if key == "orgs":
            msg = "the file has no `orgs:` list; add one with exactly one `kind: platform` org"
            report.problems.append(Problem(1, msg))
        return None if key == "orgs" else []
    value = data[key]
    if not isinstance(value, list):
        report.add((key,), f"`{key}:` must be a list, one `- ` item each (`{key}: []` for none)")
        return None
    return value


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], section: str, raw: list[Any], report: Report) -> list[M]:
    """Validate each entry on its own, so every entry's problems are reported."""
    valid = []
    for i, entry in enumerate(raw):
        try:
            valid.append(model.model_validate(entry))
        except PydanticError as err:
            label, lines = _label(section, raw, i), report.lines
            report.problems += pydantic_problems(err, model, (section, i), label, lines, _HINTS)
    return valid


# --- cross-entry checks (on raw data, so one bad field does not hide other mistakes) -------


def _label(section: str, entries: Sequence[object], i: int) -> str:
    """How messages name an entry: org 'contoso', user 'ana@x.example', or org #3 if id-less."""
    what, key = ("org", "slug") if section == "orgs" else ("user", "email")
    value = text_at(entries[i], key)
    return f"{what} '{value}'" if value else f"{what} #{i + 1}"


def _check_orgs(orgs: Sequence[object], report: Report) -> None:
    """Unique slugs and channels, one platform, parents that are partners, escalations feed."""
    kind_of: dict[str, str | None] = {}  # slug -> kind of its first org
    for i, org in enumerate(orgs):
        label, slug = _label("orgs", orgs, i), text_at(org, "slug")
        path: Path = ("orgs", i, "slug")
        if slug is not None and (first := report.seen_before(("slug", slug), i, path)):
            report.add(path, f"slug '{slug}' is used by two orgs{first[1]}; rename one")
        elif slug is not None:
            kind_of[slug] = text_at(org, "kind")
        for key in ("ticket_channel", "escalations_channel"):
            path, channel = ("orgs", i, "slack", key), text_at(org, "slack", key)
            if channel is not None and (first := report.seen_before(("channel", channel), i, path)):
                msg = f"{label}: channel {channel} is already used by "
                msg += f"{_label('orgs', orgs, first[0])}{first[1]}; give each org its own"
                report.add(path, f"{msg} channel, or it sees the other's tickets")
    platforms = [i for i, org in enumerate(orgs) if text_at(org, "kind") == "platform"]
    if not platforms:
        msg = "no org has `kind: platform`; exactly one org (the company running Threadline)"
        report.add(("orgs",), f"{msg} must be the platform", key=True)
    for i in platforms[1:]:
        msg = f"{_label('orgs', orgs, i)} is a second platform org"
        msg += f"{report.first('orgs', platforms[0], 'kind')}; there can be only one"
        report.add(("orgs", i, "kind"), f"{msg}; make this one a partner or self_serve org")
    partners = ", ".join(slug for slug, kind in kind_of.items() if kind == "partner")
    choice = f"partners in this file: {partners or 'none yet, add one with `kind: partner`'}"
    for i, org in enumerate(orgs):
        label, kind, parent = _label("orgs", orgs, i), text_at(org, "kind"), value_at(org, "parent")
        parent_kind = kind_of.get(parent, "") if isinstance(parent, str) else None
        if kind == "sub_org" and parent is None:
            msg = f"{label} is a sub_org, so it needs `parent:` naming a partner org"
            report.add(("orgs", i), f"{msg} ({choice})")
        elif kind == "sub_org" and isinstance(parent, str) and parent_kind in ("", *NOT_PARTNER):
            what = f"has `kind: {parent_kind}`" if parent_kind else "names no org in this file"
            msg = f"{label}: `parent: {parent}` {what}; a sub_org's parent must be a partner org"
            report.add(("orgs", i, "parent"), f"{msg} ({choice})")
        elif kind in ("platform", "partner", "self_serve") and parent is not None:
            msg = f"{label} has `kind: {kind}`, so it cannot have `parent:`; remove it"
            report.add(("orgs", i, "parent"), f"{msg}, or make it a sub_org", key=True)
        escalations = ("orgs", i, "slack", "escalations_channel")
        if kind in ("partner", "sub_org", "self_serve") and value_at(org, *escalations[2:]):
            msg = f"{label} has `kind: {kind}`; only the platform has an `escalations_channel`"
            report.add(escalations, f"{msg}; remove it", key=True)


def _check_users(orgs: Sequence[object], users: Sequence[object], report: Report) -> None:
    """Unique e-mails and Slack identities; every user's org is in the file."""
    slugs = list(dict.fromkeys(s for s in (text_at(o, "slug") for o in orgs) if s))
    shown = ", ".join(slugs[:10]) + (", ..." if len(slugs) > 10 else "") if slugs else "none"
    for i, user in enumerate(users):
        label, email, org = _label("users", users, i), text_at(user, "email"), text_at(user, "org")
        path: Path = ("users", i, "email")
        if email is not None and (first := report.seen_before(("email", email.lower()), i, path)):
            msg = f"e-mail '{email.lower()}' is listed twice{first[1]}"
            report.add(path, f"{msg}; list each user once, with all their roles")
        if org is not None and org not in slugs:
            msg = f"{label}: `org: {org}` names no org in this file (orgs: {shown})"
            report.add(("users", i, "org"), msg)
        team, member = text_at(user, "slack", "team"), text_at(user, "slack", "user")
        path = ("users", i, "slack", "user")
        if team and member and (first := report.seen_before(("slack", team, member), i, path)):
            msg = f"{label}: Slack user {member} in team {team} is already mapped to "
            msg += f"{_label('users', users, first[0])}{first[1]}"
            report.add(path, f"{msg}; a Slack user maps to exactly one Threadline user")
