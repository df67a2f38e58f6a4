"""What travels between the app and the fake: a request as Slack reads it, a recorded call."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .catalog import MethodSpec


@dataclass(frozen=True)
class Call:
    """One recorded Web API call and the answer it got."""

    time: float
    method: str
    args: dict[str, Any]
    token: str | None
    team: str | None
    status: int
    response: dict[str, Any]
    json_body: bool

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


@dataclass
class ApiRequest:
    args: dict[str, Any]
    token: str | None
    json_body: bool


async def read_request(request: web.Request, spec: MethodSpec | None) -> ApiRequest:
    """Arguments and token as Slack reads them: query, form or (where supported) JSON."""
    args: dict[str, Any] = dict(request.query)
    auth = request.headers.get("Authorization", "")
    token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
    if auth.startswith("Basic "):
        client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        args.update(client_id=client_id, client_secret=secret)
    json_body = request.content_type == "application/json"
    if request.method == "POST" and request.can_read_body:
        if json_body:
            payload = json.loads(await request.text() or "{}")
            if spec is not None and spec.json_input and isinstance(payload, dict):
                args.update({k: v for k, v in payload.items() if k != "token"})
        else:
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
    form_token = args.pop("token", None)
    return ApiRequest(args, token or form_token, json_body)
