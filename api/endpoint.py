"""The route table's entries, and how one becomes an aiohttp handler.

Every endpoint runs the same way: authenticate (401 first), validate path, query and body
with their pydantic models (400/422), then call the handler inside one transaction as the
token's user (one request = one transaction), and serialize its response model. The same
entries generate the OpenAPI document (`api.openapi`), so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth import authenticate
from api.errors import ApiError, from_pydantic
from api.schemas import TicketPath
from core.models import User
from core.services.loading import parse_ticket_ref

M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass
class Call:
    """What a handler gets: the request, its validated inputs, the session and the actor."""

    request: web.Request
    session: AsyncSession
    user: User
    ticket_id: str = ""
    query: pydantic.BaseModel | None = None
    body: pydantic.BaseModel | None = None

    def body_as(self, model: type[M]) -> M:
        assert isinstance(self.body, model)
        return self.body

    def query_as(self, model: type[M]) -> M:
        assert isinstance(self.query, model)
        return self.query


Handler = Callable[[Call], Awaitable[pydantic.BaseModel | web.StreamResponse]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # below /api/v1
    operation_id: str
    summary: str
    handler: Handler
    response: type[pydantic.BaseModel]
    services: str  # the core service(s) it calls, for the document and the reader
    status: int = 200
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    errors: tuple[int, ...] = ()  # besides 401 and 503 (any), and 422 (any with inputs)
    # Media types of the success response when not just application/json of `response`.
    media: Mapping[str, type[pydantic.BaseModel]] = field(default_factory=dict)
    tag: str = "tickets"

    @property
    def path_model(self) -> type[pydantic.BaseModel] | None:
        return TicketPath if "{ticket_id}" in self.path else None


def _validate_query(model: type[M], request: web.Request) -> M:
    values: dict[str, str] = {}
    for key, value in request.query.items():
        if key in values:
            raise ApiError(
                422, "validation_error", f"Give query parameter '{key}' only once.", field=key
            )
        values[key] = value
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, where="Query") from None


async def _validate_body(model: type[M], request: web.Request) -> M:
    raw = await request.read()
    try:
        return model.model_validate_json(raw if raw.strip() else b"{}")
    except pydantic.ValidationError as exc:
        kinds = {(e["type"], tuple(e["loc"])) for e in exc.errors()}
        if ("json_invalid", ()) in kinds or ("model_type", ()) in kinds:
            raise ApiError(
                400,
                "invalid_json",
                'The request body must be a JSON object (UTF-8), e.g. {"title": "..."}.',
            ) from None
        raise from_pydantic(exc, where="Body") from None


def to_handler(
    endpoint: Endpoint, sessions: async_sessionmaker[AsyncSession]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        user_id = await authenticate(request, sessions)
        ticket_id = ""
        if endpoint.path_model is not None:
            try:
                path = TicketPath.model_validate(dict(request.match_info))
            except pydantic.ValidationError as exc:
                raise from_pydantic(exc, where="Path") from None
            ticket_id = path.ticket_id
            parse_ticket_ref(ticket_id)  # 404 for an id beyond what the column can hold
        query = _validate_query(endpoint.query, request) if endpoint.query else None
        body = await _validate_body(endpoint.body, request) if endpoint.body else None
        async with sessions.begin() as session:
            user = await session.get_one(User, user_id)
            call = Call(request, session, user, ticket_id=ticket_id, query=query, body=body)
            result = await endpoint.handler(call)
        if isinstance(result, web.StreamResponse):
            return result
        payload: Any = result.model_dump(mode="json")
        return web.json_response(payload, status=endpoint.status)

    return handle
