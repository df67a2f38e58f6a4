"""Ticket filters as people type them, parsed by one set of rules for every surface.

The REST API's query string, `/ticket export`'s `key:value` words and the CLI's options all
go through `parse_filters` (or `parse_filter_words`), so a value means the same thing and is
refused with the same message wherever it is typed. The result, a `FilterSpec`, still holds
the org slug and the owner as text: looking them up needs the database, which is the job of
`core.services.filters.resolve_filter`, and it yields the `TicketFilter` the queries run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from core.errors import ValidationError
from core.models.tickets import Severity
from core.rules.stages import Stage, State, parse_stage
from core.rules.validation import clean_tag, parse_severity

FILTER_KEYS = ("stage", "state", "severity", "tag", "org", "owner", "since")
ME = "me"
OPEN_STATES = (State.OPEN, State.IN_PROGRESS)

ListScope = Literal["open", "mine", "all"]


@dataclass(frozen=True)
class FilterSpec:
    """What was asked for, each value checked; `org` (a slug) and `owner` (an e-mail or
    `me`) are looked up by `resolve_filter`."""

    stages: tuple[Stage, ...] = ()
    states: tuple[State, ...] = ()
    org: str | None = None
    owner: str | None = None
    severity: Severity | None = None
    tag: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class TicketFilter:
    """Filters of `list_tickets` and the export, resolved to ids; every given one must match
    (AND)."""

    stages: Sequence[Stage] = ()
    states: Sequence[State] = ()
    requester_org_id: int | None = None
    owner_id: int | None = None
    severity: str | None = None
    tag: str | None = None
    since: datetime | None = None


NO_FILTER = TicketFilter()

# `/ticket list [open|mine|all]`: each scope is a filter like any other.
LIST_SCOPES: Mapping[ListScope, FilterSpec] = {
    "open": FilterSpec(states=OPEN_STATES),
    "mine": FilterSpec(states=OPEN_STATES, owner=ME),
    "all": FilterSpec(),
}


def parse_filters(values: Mapping[str, str]) -> FilterSpec:
    """Text values keyed by filter name → a `FilterSpec`.

    A mistake raises `ValidationError` whose `field` is the filter's name and whose message
    names the accepted forms.
    """
    for key in values:
        if key not in FILTER_KEYS:
            raise ValidationError(
                f"'{key}' is not a filter. Use one of: {', '.join(FILTER_KEYS)}.", field=key
            )
    stage, state, severity = values.get("stage"), values.get("state"), values.get("severity")
    tag, since = values.get("tag"), values.get("since")
    return FilterSpec(
        stages=(parse_stage(stage),) if stage is not None else (),
        states=(parse_state(state),) if state is not None else (),
        org=values.get("org"),
        owner=values.get("owner"),
        severity=parse_severity(severity) if severity is not None else None,
        tag=_tag(tag) if tag is not None else None,
        since=parse_date(since, field="since") if since is not None else None,
    )


def parse_filter_words(words: Iterable[str], *, keys: Sequence[str] = FILTER_KEYS) -> FilterSpec:
    """`key:value` words, as typed after `/ticket export csv`; a repeated key: the last wins."""
    values: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition(":")
        key = key.lower()
        if not sep or not value or key not in keys:
            raise ValidationError(
                f"`{word}` is not a filter; use key:value with key one of {', '.join(keys)}.",
                field="filters",
            )
        values[key] = value
    return parse_filters(values)


def parse_state(value: str) -> State:
    try:
        return State(value.strip().lower())
    except ValueError:
        raise ValidationError(
            f"'{value}' is not a state. Use one of: {', '.join(State)}.", field="state"
        ) from None


def parse_date(value: str, *, field: str) -> datetime:
    """`YYYY-MM-DD` → the start of that day in UTC."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError(f"'{value}' is not a date; use YYYY-MM-DD.", field=field) from None


def _tag(value: str) -> str:
    try:
        return clean_tag(value)
    except ValidationError as err:  # `clean_tag` names the `tags` of a ticket; here it is one
        raise ValidationError(err.message, field="tag") from None
