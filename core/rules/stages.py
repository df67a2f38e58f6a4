"""Ticket stages, their states and the allowed transitions (SPEC §2), as data."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from core.errors import InvalidTransition, ValidationError


class State(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Stage(StrEnum):
    QUEUED = "queued"
    WORK_IN_PROGRESS = "work_in_progress"
    AWAITING_PRODUCT_ASSIST = "awaiting_product_assist"
    AWAITING_CUSTOMER_RESPONSE = "awaiting_customer_response"
    AWAITING_DEVELOPMENT = "awaiting_development"
    IN_DEVELOPMENT = "in_development"
    RESOLVED = "resolved"
    CANCELED = "canceled"
    ACCEPTED = "accepted"

    @property
    def state(self) -> State:
        return STATE_OF[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


INITIAL_STAGE = Stage.QUEUED

STATE_OF: MappingProxyType[Stage, State] = MappingProxyType(
    {
        Stage.QUEUED: State.OPEN,
        Stage.WORK_IN_PROGRESS: State.IN_PROGRESS,
        Stage.AWAITING_PRODUCT_ASSIST: State.IN_PROGRESS,
        Stage.AWAITING_CUSTOMER_RESPONSE: State.IN_PROGRESS,
        Stage.AWAITING_DEVELOPMENT: State.IN_PROGRESS,
        Stage.IN_DEVELOPMENT: State.IN_PROGRESS,
        Stage.RESOLVED: State.CLOSED,
        Stage.CANCELED: State.CLOSED,
        Stage.ACCEPTED: State.CLOSED,
    }
)

TRANSITIONS: MappingProxyType[Stage, tuple[Stage, ...]] = MappingProxyType(
    {
        Stage.QUEUED: (
            Stage.WORK_IN_PROGRESS,
            Stage.AWAITING_CUSTOMER_RESPONSE,
            Stage.CANCELED,
        ),
        Stage.WORK_IN_PROGRESS: (
            Stage.AWAITING_PRODUCT_ASSIST,
            Stage.AWAITING_CUSTOMER_RESPONSE,
            Stage.RESOLVED,
            Stage.CANCELED,
        ),
        Stage.AWAITING_PRODUCT_ASSIST: (
            Stage.WORK_IN_PROGRESS,
            Stage.AWAITING_DEVELOPMENT,
            Stage.ACCEPTED,
            Stage.CANCELED,
        ),
        Stage.AWAITING_CUSTOMER_RESPONSE: (
            Stage.WORK_IN_PROGRESS,
            Stage.RESOLVED,
            Stage.CANCELED,
        ),
        Stage.AWAITING_DEVELOPMENT: (
            Stage.IN_DEVELOPMENT,
            Stage.WORK_IN_PROGRESS,
            Stage.CANCELED,
        ),
        Stage.IN_DEVELOPMENT: (
            Stage.AWAITING_CUSTOMER_RESPONSE,
            Stage.WORK_IN_PROGRESS,
            Stage.CANCELED,
        ),
        Stage.RESOLVED: (Stage.WORK_IN_PROGRESS,),
        Stage.CANCELED: (Stage.WORK_IN_PROGRESS,),
        Stage.ACCEPTED: (Stage.AWAITING_DEVELOPMENT, Stage.WORK_IN_PROGRESS),
    }
)

SHORT_FORMS: MappingProxyType[str, Stage] = MappingProxyType(
    {
        "Q": Stage.QUEUED,
        "WIP": Stage.WORK_IN_PROGRESS,
        "APA": Stage.AWAITING_PRODUCT_ASSIST,
        "ACR": Stage.AWAITING_CUSTOMER_RESPONSE,
        "AD": Stage.AWAITING_DEVELOPMENT,
        "ID": Stage.IN_DEVELOPMENT,
        "C": Stage.CANCELED,
        "A": Stage.ACCEPTED,
        "R": Stage.RESOLVED,
    }
)

SHORT_FORM_OF: MappingProxyType[Stage, str] = MappingProxyType(
    {stage: short for short, stage in SHORT_FORMS.items()}
)


def stages_in(*states: State) -> tuple[Stage, ...]:
    return tuple(stage for stage in Stage if stage.state in states)


OPEN_STAGES = stages_in(State.OPEN, State.IN_PROGRESS)
CLOSED_STAGES = stages_in(State.CLOSED)


def parse_stage(text: str) -> Stage:
    """Accept a stage name in any case, with spaces or hyphens, or its short form."""
    cleaned = text.strip()
    short = SHORT_FORMS.get(cleaned.upper())
    if short is not None:
        return short
    normalized = cleaned.lower().replace("-", "_").replace(" ", "_")
    try:
        return Stage(normalized)
    except ValueError:
        choices = ", ".join(f"{s.value} ({SHORT_FORM_OF[s]})" for s in Stage)
        raise ValidationError(
            f"'{text}' is not a stage. Use one of: {choices}.", field="stage"
        ) from None


def allowed_next(stage: Stage) -> tuple[Stage, ...]:
    return TRANSITIONS[stage]


def describe(stages: tuple[Stage, ...]) -> str:
    return ", ".join(f"{s.value} ({SHORT_FORM_OF[s]})" for s in stages)


def check_transition(current: Stage, target: Stage) -> None:
    """Raise `InvalidTransition` naming the allowed moves when `current → target` is not one."""
    if target in TRANSITIONS[current]:
        return
    if target == current:
        reason = f"The ticket is already {current.value}."
    else:
        reason = f"A ticket cannot move from {current.value} to {target.value}."
    raise InvalidTransition(
        f"{reason} From {current.value} it can move to: {describe(TRANSITIONS[current])}."
    )
