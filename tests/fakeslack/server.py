"""FakeSlack: a contract-checking, stateful fake of the Slack Web API on 127.0.0.1.

The real `AsyncWebClient(base_url=slack.api_url)` talks to it unmodified. Each call goes
through the same gates as on Slack, in this order, and is recorded (`calls()`):
1. the method exists in the vendored catalogue (else HTTP 404 `unknown_method`);
2. injected faults fire (delay, 429 + Retry-After, 5xx);
3. authentication: `Authorization: Bearer` or a form/query `token` (never a JSON-body
   token); `not_authed`, `invalid_auth`, `token_revoked`, `not_allowed_token_type`;
4. bot scopes from `scope.bot` against the team's grant (default: manifest.yml);
5. required arguments from `args.required`; JSON bodies only where `json_input_supported`
   (otherwise Slack ignores the body, and so does the fake);
6. the per-channel chat.postMessage rate, if enforced;
7. the method's handler: state changes, Block Kit limits, documented errors.
Other routes: `/upload/v1/<file>` (upload v2 bytes), `/hooks/<id>` (response_url),
`/link` (Socket Mode).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from . import catalog
from .catalog import MANIFEST_PATH, MethodSpec
from .context import CallContext, SlackError, invalid_arguments
from .faults import ChannelRateLimit, FaultRule, Faults
from .handlers import HANDLERS
from .handlers.views import apply_submission_ack
from .hooks import ResponseUrls
from .records import Team
from .socketmode import SocketModeEndpoint
from .state import SlackState
from .wire import Call, read_request


class FakeSlack(SlackState):
    """Start with `async with FakeSlack() as slack:`; hand `slack.api_url` to the client."""

    def __init__(
        self,
        *,
        manifest_path: Path | None = MANIFEST_PATH,
        seed: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        super().__init__(manifest_path)
        self.faults = Faults(self.clock, seed)
        self.response_urls = ResponseUrls(self)
        self.socket_mode = SocketModeEndpoint()
        if client_id is not None and client_secret is not None:
            self.oauth_client = (client_id, client_secret)
        self._calls: list[Call] = []
        # (path, client port) of every request, in order: which connection each came over.
        self.request_ports: list[tuple[str, int]] = []
        self._runner: web.AppRunner | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._note_port])
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_post("/hooks/{hook_id}", self._hook)
        app.router.add_get("/link/", self.socket_mode.handle)
        app.router.add_get("/link", self.socket_mode.handle)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/"

    async def stop(self) -> None:
        await self.socket_mode.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """Base URL for `AsyncWebClient(base_url=...)`, ending in `/api/`."""
        return f"{self.base_url}api/"

    # -- test controls ------------------------------------------------------------------------
    def inject(
        self,
        method: str | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int | None = 1,
        rate: float | None = None,
        error: str | None = None,
    ) -> FaultRule:
        """Fail or delay calls to `method` (None: any), `times` times or with probability `rate`.

        With `rate` and the default `times`, the rule fires without a limit.
        """
        if rate is not None and times == 1:
            times = None
        return self.faults.add(FaultRule(method, status, retry_after, delay, times, rate, error))

    def enforce_channel_rate(self, per_second: float = 1.0, burst: int = 1) -> None:
        """Answer chat.postMessage with 429 beyond `per_second` per (team, channel)."""
        self.faults.channel_rate = ChannelRateLimit(per_second, burst)

    def new_response_url(
        self,
        *,
        team: str,
        channel: str,
        user: str,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """A response_url on the fake (5 uses, 30 minutes); see `hooks.ResponseUrls`."""
        return self.response_urls.new(
            team=team, channel=channel, user=user, message_ts=message_ts, thread_ts=thread_ts
        )

    def response_url_posts(self, url: str) -> list[dict[str, Any]]:
        """Bodies the app POSTed to a response_url, oldest first."""
        return self.response_urls.posts(url)

    async def socket_send(self, envelope: dict[str, Any], within: float = 5.0) -> dict[str, Any]:
        """Push a Socket Mode envelope to the connected app; return its ack (within seconds)."""
        return await self.socket_mode.send(envelope, within)

    def apply_view_submission_ack(self, user: str, ack: dict[str, Any] | None) -> None:
        """Close, update, push or clear `user`'s modal stack as the app's ack says."""
        apply_submission_ack(self, user, ack)

    def file_content(self, file_id: str) -> bytes:
        """The bytes uploaded for `file_id`."""
        content = self.files[file_id].content
        if content is None:
            raise KeyError(f"{file_id} was never uploaded")
        return content

    # -- recorded calls -------------------------------------------------------------------------
    def calls(
        self, method: str | None = None, *, team: str | None = None, status: int | None = None
    ) -> list[Call]:
        """Recorded Web API calls, filtered by method, calling team and HTTP status."""
        return [
            c
            for c in self._calls
            if (method is None or c.method == method)
            and (team is None or c.team == team)
            and (status is None or c.status == status)
        ]

    # -- routes -------------------------------------------------------------------------------
    @web.middleware
    async def _note_port(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.request_ports.append((request.path, peer[1]))
        return await handler(request)

    async def _api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        spec = catalog.method(name)
        parsed = await read_request(request, spec)
        team = self.tokens.get(parsed.token or "")
        headers: dict[str, str] = {}
        try:
            if spec is None:
                raise SlackError("unknown_method", status=404)
            rule = self.faults.pick(name)
            if rule is not None and rule.delay:
                await asyncio.sleep(rule.delay)
            failure = rule.failure() if rule is not None else None
            if failure is not None:
                raise failure
            team = self._authenticate(spec, parsed.token)
            if team is not None:
                headers["X-OAuth-Scopes"] = ",".join(sorted(team.scopes))
                headers["X-Accepted-OAuth-Scopes"] = ",".join(spec.bot_scopes)
            ctx = CallContext(self, spec, parsed.args, parsed.token, team)
            self._check_call(ctx)
            body: dict[str, Any] = {"ok": True, **self._handle(ctx)}
            if ctx.warnings:
                body["warning"] = ",".join(ctx.warnings)
                body.setdefault("response_metadata", {})["warnings"] = ctx.warnings
            status = 200
        except SlackError as error:
            body, status = error.body(), error.status
            headers.update(error.headers)
        self._calls.append(
            Call(
                self.clock.wall(),
                name,
                parsed.args,
                parsed.token,
                team.id if team else None,
                status,
                body,
                parsed.json_body,
            )
        )
        return web.json_response(body, status=status, headers=headers)

    def _authenticate(self, spec: MethodSpec, token: str | None) -> Team | None:
        if spec.name.startswith("apps.connections."):
            if token is None:
                raise SlackError("missing_args")
            if token in self.tokens:
                raise SlackError("not_allowed_token_type")
            if token not in self.app_tokens:
                raise SlackError("invalid_auth")
            return None
        if not spec.needs_token:
            return None
        if token is None:
            raise SlackError("not_authed")
        if token in self.app_tokens:
            raise SlackError("not_allowed_token_type")
        team = self.tokens.get(token)
        if team is None:
            raise SlackError("invalid_auth")
        if team.revoked:
            raise SlackError("token_revoked")
        return team

    def _check_call(self, ctx: CallContext) -> None:
        spec = ctx.spec
        checks_scope = ctx.team is not None and not spec.per_conversation_type
        if checks_scope and spec.bot_scopes and not any(ctx.granted(s) for s in spec.bot_scopes):
            raise ctx.missing_scope(spec.bot_scopes[0])
        for arg in spec.required_args:
            if ctx.arg(arg) is None:
                error = spec.missing_arg_error(arg)
                if error == "invalid_arguments":
                    raise invalid_arguments(f"missing required field: {arg}")
                raise SlackError(error)
        if ctx.team is not None:
            self.faults.check_channel_rate(spec.name, ctx.team.id, ctx.str_arg("channel"))

    def _handle(self, ctx: CallContext) -> dict[str, Any]:
        handler = HANDLERS.get(ctx.spec.name)
        if handler is None:
            raise SlackError(
                "fakeslack_not_implemented",
                detail=f"{ctx.spec.name} is in Slack's catalogue but not modelled by the fake",
            )
        return handler(ctx)

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.files.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="file_not_found")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            field = next(iter(form.values()), b"")
            data = field.file.read() if hasattr(field, "file") else str(field).encode()
        else:
            data = await request.read()
        upload.content = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _hook(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        status, answer = self.response_urls.receive(request.match_info["hook_id"], body)
        return web.json_response(answer, status=status)
