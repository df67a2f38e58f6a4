"""What each modal carries in its `private_metadata`, as one pydantic model per view.

Slack hands `private_metadata` back verbatim when the modal is submitted. It is our own
JSON, but it returns from outside, so it is validated when read: a malformed one becomes a
refusal that tells the user to open the form again, instead of a failure deep in a handler.
Unknown keys are ignored, so a modal opened before a release can still be submitted after.
"""

from __future__ import annotations

from typing import TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict

from core.errors import ValidationError

MALFORMED = (
    "This form's saved details could not be read, so nothing was recorded. "
    "Close it and open it again."
)


class ViewMetadata(BaseModel):
    model_config = ConfigDict(frozen=True)

    def dump(self) -> str:
        """The `private_metadata` string to give the view."""
        return self.model_dump_json()


class SourceMessage(BaseModel):
    """The Slack message a ticket is being created from."""

    model_config = ConfigDict(frozen=True)

    team: str
    channel: str
    ts: str


class CreateTicketMetadata(ViewMetadata):
    """The create-ticket modal: where to answer, and the message it was opened on, if any."""

    channel: str | None = None
    source: SourceMessage | None = None


class AddToTicketMetadata(ViewMetadata):
    """The add-to-ticket modal: where to answer, and the message to add (quoted)."""

    channel: str | None = None
    ts: str | None = None
    author: str | None = None
    text: str = ""


class MalformedMetadata(ValidationError):
    """`private_metadata` that does not fit its view's model."""

    def __init__(self) -> None:
        super().__init__(MALFORMED)


M = TypeVar("M", bound=ViewMetadata)


def read_metadata(model: type[M], raw: str | None) -> M:
    """The view's metadata, validated; `MalformedMetadata` when it does not fit."""
    try:
        return model.model_validate_json(raw or "{}")
    except pydantic.ValidationError:
        raise MalformedMetadata() from None
