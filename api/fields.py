"""Field types shared by the API's models: the limits the database and the core impose.

They live in the schema (and so in the OpenAPI document) so that clients and the fuzzer see
them, and a value that would break the database is a 422 naming the field, never a 500.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from core.services.loading import MAX_ROW_ID
from core.services.queries import PAGE_MAX

# PostgreSQL text cannot hold NUL characters; refuse them up front with the field named.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
# A larger id names nothing that can exist.
DbId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
Limit = Annotated[int, Field(ge=1, le=PAGE_MAX, description="Page size.")]
Cursor = Annotated[
    str | None,
    Field(
        pattern=r"^[0-9]{1,10}$",
        description="Opaque: the `next_cursor` of the previous page.",
    ),
    AfterValidator(lambda v: _within_ids(v, "cursor")),
]


def _within_ids(value: str | None, what: str) -> str | None:
    if value is not None and int(value) > MAX_ROW_ID:
        raise ValueError(f"this is not a {what} the API handed out; start without one")
    return value


def _storable(value: Any) -> Any:
    """What jsonb can hold: no NUL characters, no numbers beyond float range (1e400)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL (\\u0000) characters; remove them")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite and within double precision range")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, list):
        for item in value:
            _storable(item)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_storable)]
