"""The directory file's field types: what a slug, e-mail, domain or Slack id may look like.

Each type is a pydantic `Annotated` validator whose message names the fix, so the parser
(`core.formats.directory_file`) can report every bad field with its line. Pure.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator

Role = Literal["member", "support_rep", "admin"]
NOT_PARTNER = ("platform", "sub_org", "self_serve")  # the other valid kinds
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_EMAIL_LOCAL = re.compile(r"[^\s@]{1,64}")  # deliverability is the mail server's business
_TEAM = re.compile(r"T[A-Z0-9]{2,}")  # team ids only: an Enterprise Grid org (E…) has no channels
_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")


def _check_slug(value: str) -> str:
    if _SLUG.fullmatch(value):
        return value
    guess = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:64]
    like = f", like '{guess}'" if guess else ""
    raise ValueError(
        f"'{value}' must be 1-64 lowercase letters, digits or hyphens, starting with a letter "
        f"or digit{like}"
    )


def _check_name(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank; give a display name")
    return value


def _is_hostname(value: str) -> bool:
    labels = value.split(".")
    return (
        len(value) <= 253
        and len(labels) >= 2
        and all(_HOST_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )


def check_email(value: str) -> str:
    """Lowercased: Threadline matches mailboxes case-insensitively everywhere."""
    local, _, domain = value.lower().rpartition("@")
    if _EMAIL_LOCAL.fullmatch(local) and _is_hostname(domain):
        return f"{local}@{domain}"
    raise ValueError(f"'{value}' is not an e-mail address like ana@example.com")


def _check_domain(value: str) -> str:
    """Lowercased: DNS names are case-insensitive and are matched against e-mail domains."""
    if _is_hostname(value.lower()):
        return value.lower()
    raise ValueError(
        f"'{value}' is not a domain name like example.com (letters, digits, hyphens and dots; "
        "write international names in punycode)"
    )


def _slack_id(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.fullmatch(value):
            return value
        upper = "; Slack ids are uppercase" if pattern.fullmatch(value.upper()) else ""
        raise ValueError(f"'{value}' is not {what}{upper}")

    return AfterValidator(check)


def check_roles(roles: list[Role]) -> list[Role]:
    if not roles:
        raise ValueError("is empty; leave it out for a plain member, or list roles")
    return check_unique(roles)


def check_unique(values: list[Any]) -> list[Any]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError("lists " + ", ".join(f"'{v}'" for v in repeated) + " more than once")
    return values


Slug = Annotated[str, AfterValidator(_check_slug)]
Name = Annotated[str, AfterValidator(_check_name)]
Domain = Annotated[str, AfterValidator(_check_domain)]
TeamId = Annotated[str, _slack_id(_TEAM, "a Slack team id like T0123ABCD")]
UserId = Annotated[str, _slack_id(_USER, "a Slack member id like U0123ABCD")]
ChannelId = Annotated[str, _slack_id(_CHANNEL, "a Slack channel id like C0123ABCD")]
