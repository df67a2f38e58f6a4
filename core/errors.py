"""Typed errors raised by the core services.

Every surface maps these to its own shape: the Slack layer to an ephemeral message,
the HTTP API to a status code. Messages are written for the person who caused the
error and always name the fix.
"""

from __future__ import annotations


class ThreadlineError(Exception):
    """Base of every error a user can cause; ``str(err)`` is safe to show to them."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ThreadlineError):
    """The thing does not exist, or the actor may not know that it exists."""

    code = "not_found"


class Forbidden(ThreadlineError):
    """The actor can see the thing but may not do this to it."""

    code = "forbidden"


class InvalidTransition(ThreadlineError):
    """A stage change the transition table does not allow."""

    code = "invalid_transition"


class ValidationError(ThreadlineError):
    """Bad input: a field out of range, an unknown value, a malformed file.

    ``field`` names the offending input when there is one, so forms and APIs can point at it.
    """

    code = "validation_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(ThreadlineError):
    """The change collides with the current state (e.g. a duplicate link)."""

    code = "conflict"
