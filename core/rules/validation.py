"""Input cleaning shared by every service: one message per mistake, naming the fix."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from core.errors import ValidationError
from core.models.messages import MESSAGE_MAX
from core.models.tickets import DESCRIPTION_MAX, TITLE_MAX, Severity, Subtype

TAG_MAX = 64
_Choice = TypeVar("_Choice", bound=StrEnum)
_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-./:]*$")


def clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise ValidationError("A ticket needs a title (1–200 characters).", field="title")
    if len(cleaned) > TITLE_MAX:
        raise ValidationError(
            f"The title is {len(cleaned)} characters; shorten it to {TITLE_MAX} or fewer "
            "and put the rest in the description.",
            field="title",
        )
    return cleaned


def clean_description(description: str | None) -> str:
    cleaned = (description or "").strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise ValidationError(
            f"The description is {len(cleaned)} characters; the limit is {DESCRIPTION_MAX}. "
            "Attach long logs as files instead.",
            field="description",
        )
    return cleaned


def clean_message_body(body: str) -> str:
    cleaned = body.strip()
    if not cleaned:
        raise ValidationError("The message is empty; type something to send.", field="body")
    if len(cleaned) > MESSAGE_MAX:
        raise ValidationError(
            f"The message is {len(cleaned)} characters; the limit is {MESSAGE_MAX}.",
            field="body",
        )
    return cleaned


def _choice(enum: type[_Choice], value: str | _Choice, field: str) -> _Choice:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ValidationError(
            f"'{value}' is not a valid {field}. Use one of: {allowed}.", field=field
        ) from None


def parse_severity(value: str | Severity) -> Severity:
    return _choice(Severity, value, "severity")


def parse_subtype(value: str | Subtype | None) -> Subtype | None:
    if value is None or str(value).strip() == "":
        return None
    return _choice(Subtype, value, "subtype")


def clean_tag(tag: str) -> str:
    cleaned = tag.strip().lstrip("#").lower()
    if not cleaned or len(cleaned) > TAG_MAX or not _TAG.match(cleaned):
        raise ValidationError(
            f"'{tag}' is not a valid tag. Tags are up to {TAG_MAX} characters: letters, "
            "digits and - _ . / : (no spaces).",
            field="tags",
        )
    return cleaned


def clean_tags(tags: Iterable[str]) -> list[str]:
    return sorted({clean_tag(t) for t in tags})


def clean_optional_text(value: str | None, *, field: str, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise ValidationError(f"The {field} is longer than {limit} characters.", field=field)
    return cleaned or None
