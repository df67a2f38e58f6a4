"""Parsing `/ticket` text into typed commands (SPEC §4). Pure: no Slack, no database.

A mistake raises `CommandSyntaxError` carrying the usage line of the subcommand, so the
user sees exactly how to type it; an unknown subcommand gets the whole help.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from core.errors import ValidationError
from core.rules.filters import LIST_SCOPES, FilterSpec, ListScope, parse_filter_words
from core.services.loading import parse_ticket_ref

USAGE = {
    "new": "/ticket new [title]",
    "list": "/ticket list [open|mine|all]",
    "show": "/ticket show TKT-n",
    "assign": "/ticket assign TKT-n @user|me",
    "stage": "/ticket stage TKT-n STAGE",
    "severity": "/ticket severity TKT-n low|medium|high|blocker",
    "escalate": "/ticket escalate TKT-n [reason]",
    "deescalate": "/ticket deescalate TKT-n [reason]",
    "note": "/ticket note TKT-n text",
    "link": "/ticket link TKT-n TKT-m",
    "tag": "/ticket tag TKT-n +add -remove",
    "subscribe": "/ticket subscribe TKT-n",
    "unsubscribe": "/ticket unsubscribe TKT-n",
    "search": "/ticket search words",
    "export": "/ticket export csv|json [stage:S] [state:STATE] [severity:L] [tag:T] [org:SLUG] "
    "[since:YYYY-MM-DD]",
    "help": "/ticket help",
}

EXPORT_FILTER_KEYS = ("stage", "state", "severity", "tag", "org", "since")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


class CommandSyntaxError(ValidationError):
    """The text does not parse; `usage` is the line to show (None: show the full help)."""

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class New:
    title: str = ""


@dataclass(frozen=True)
class ListTickets:
    scope: ListScope = "open"


@dataclass(frozen=True)
class Show:
    ticket: int


@dataclass(frozen=True)
class Assign:
    ticket: int
    slack_user: str | None  # None means "me"


@dataclass(frozen=True)
class ChangeStage:
    ticket: int
    stage: str


@dataclass(frozen=True)
class SetSeverity:
    ticket: int
    severity: str


@dataclass(frozen=True)
class Escalate:
    ticket: int
    reason: str | None


@dataclass(frozen=True)
class Deescalate:
    ticket: int
    reason: str | None


@dataclass(frozen=True)
class Note:
    ticket: int
    text: str


@dataclass(frozen=True)
class Link:
    ticket: int
    other: int


@dataclass(frozen=True)
class Tag:
    ticket: int
    add: tuple[str, ...]
    remove: tuple[str, ...]


@dataclass(frozen=True)
class Subscribe:
    ticket: int
    subscribed: bool


@dataclass(frozen=True)
class Search:
    words: str


@dataclass(frozen=True)
class Export:
    format: Literal["csv", "json"]
    filters: FilterSpec = field(default_factory=FilterSpec)


Command = (
    Help
    | New
    | ListTickets
    | Show
    | Assign
    | ChangeStage
    | SetSeverity
    | Escalate
    | Deescalate
    | Note
    | Link
    | Tag
    | Subscribe
    | Search
    | Export
)


def parse(text: str) -> Command:
    words = text.strip().split(maxsplit=1)
    if not words:
        return New()
    verb = words[0].lower()
    rest = words[1].strip() if len(words) > 1 else ""
    parser = _PARSERS.get(verb)
    if parser is None:
        raise CommandSyntaxError(f"I don't know the subcommand `{words[0]}`.")
    return parser(verb, rest)


def _ticket_and_rest(verb: str, rest: str, *, need_rest: bool = False) -> tuple[int, str]:
    parts = rest.split(maxsplit=1)
    if not parts:
        raise CommandSyntaxError(f"`{verb}` needs a ticket id.", USAGE[verb])
    try:
        ticket = parse_ticket_ref(parts[0])
    except ValidationError:
        raise CommandSyntaxError(
            f"`{parts[0]}` is not a ticket id (like TKT-12).", USAGE[verb]
        ) from None
    tail = parts[1].strip() if len(parts) > 1 else ""
    if need_rest and not tail:
        raise CommandSyntaxError(f"`{verb}` needs more after the ticket id.", USAGE[verb])
    return ticket, tail


def _only_ticket(verb: str, rest: str) -> int:
    ticket, extra = _ticket_and_rest(verb, rest)
    if extra:
        raise CommandSyntaxError(f"Unexpected `{extra}` after `{verb}`.", USAGE[verb])
    return ticket


def _help(verb: str, rest: str) -> Command:
    return Help()


def _new(verb: str, rest: str) -> Command:
    return New(title=rest)


def _list(verb: str, rest: str) -> Command:
    scope = rest.lower() or "open"
    if scope not in LIST_SCOPES:
        raise CommandSyntaxError(f"`{rest}` is not a list scope.", USAGE["list"])
    return ListTickets(scope=scope)  # type: ignore[arg-type]


def _show(verb: str, rest: str) -> Command:
    return Show(_only_ticket(verb, rest))


def _assign(verb: str, rest: str) -> Command:
    ticket, target = _ticket_and_rest(verb, rest, need_rest=True)
    if target.lower() in ("me", "@me"):
        return Assign(ticket, None)
    match = _MENTION.match(target)
    if not match:
        raise CommandSyntaxError(
            f"`{target}` is not a person. Mention them with @ (pick from the list Slack "
            "offers) or write `me`.",
            USAGE[verb],
        )
    return Assign(ticket, match.group(1))


def _ticket_and_text(kind: Callable[[int, str], Command]) -> Callable[[str, str], Command]:
    """`verb TKT-n something`: the ticket and the (required) rest as one text."""

    def parse(verb: str, rest: str) -> Command:
        return kind(*_ticket_and_rest(verb, rest, need_rest=True))

    return parse


def _escalate(verb: str, rest: str) -> Command:
    ticket, reason = _ticket_and_rest(verb, rest)
    return (Escalate if verb == "escalate" else Deescalate)(ticket, reason or None)


def _link(verb: str, rest: str) -> Command:
    ticket, other_text = _ticket_and_rest(verb, rest, need_rest=True)
    return Link(ticket, _only_ticket(verb, other_text))


def _tag(verb: str, rest: str) -> Command:
    ticket, changes = _ticket_and_rest(verb, rest, need_rest=True)
    add: list[str] = []
    remove: list[str] = []
    for token in changes.replace(",", " ").split():
        if token.startswith("-") and len(token) > 1:
            remove.append(token[1:])
        elif token.startswith("+") and len(token) > 1:
            add.append(token[1:])
        else:
            raise CommandSyntaxError(
                f"`{token}`: put + before a tag to add it, - to remove it.", USAGE[verb]
            )
    return Tag(ticket, tuple(add), tuple(remove))


def _subscribe(verb: str, rest: str) -> Command:
    return Subscribe(_only_ticket(verb, rest), subscribed=verb == "subscribe")


def _search(verb: str, rest: str) -> Command:
    if not rest:
        raise CommandSyntaxError("`search` needs some words to look for.", USAGE[verb])
    return Search(rest)


def _export(verb: str, rest: str) -> Command:
    parts = rest.split()
    if not parts or parts[0].lower() not in ("csv", "json"):
        raise CommandSyntaxError("`export` needs a format: csv or json.", USAGE[verb])
    try:
        filters = parse_filter_words(parts[1:], keys=EXPORT_FILTER_KEYS)
    except ValidationError as err:
        raise CommandSyntaxError(err.message, USAGE[verb]) from None
    return Export(format=parts[0].lower(), filters=filters)  # type: ignore[arg-type]


_PARSERS = {
    "help": _help,
    "new": _new,
    "list": _list,
    "show": _show,
    "assign": _assign,
    "stage": _ticket_and_text(ChangeStage),
    "severity": _ticket_and_text(SetSeverity),
    "escalate": _escalate,
    "deescalate": _escalate,
    "note": _ticket_and_text(Note),
    "link": _link,
    "tag": _tag,
    "subscribe": _subscribe,
    "unsubscribe": _subscribe,
    "search": _search,
    "export": _export,
}
