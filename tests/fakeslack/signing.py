"""Signed Slack requests POSTed to a running app over real HTTP (CONTRACT.md §1, §10).

The body is signed exactly as sent: `v0=HMAC-SHA256(secret, "v0:{ts}:{body}")` via
slack_sdk's `SignatureVerifier`. Commands are form bodies, interactivity is a form with
one `payload=` JSON field, events are JSON. `post()` takes an explicit timestamp or
signature so tests can send stale or forged requests. Each answer carries `elapsed`, to
check the 3-second ack rule.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from .server import FakeSlack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class AppResponse:
    """The app's HTTP answer and how long it took."""

    status: int
    text: str
    headers: Mapping[str, str]
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackRequestSender:
    """POSTs signed Slack requests to `url` (e.g. `http://127.0.0.1:PORT/slack/events`).

    With `slack`, a view_submission's ack is applied to the fake's modal stack, as Slack
    would apply it (close, errors, update, push, clear).
    """

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        slack: FakeSlack | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self.slack = slack
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SlackRequestSender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def signed_headers(self, body: str, timestamp: str | None = None) -> dict[str, str]:
        """`X-Slack-Request-Timestamp` and `X-Slack-Signature` for `body`."""
        ts = timestamp or str(int(time.time()))
        signature = self.verifier.generate_signature(timestamp=ts, body=body)
        assert signature is not None  # only None for a None timestamp
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        timestamp: str | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> AppResponse:
        """POST a raw body; override `timestamp`/`signature` (or `signed=False`) to forge."""
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(self.signed_headers(body, timestamp))
            if signature is not None:
                all_headers["X-Slack-Signature"] = signature
        all_headers.update(headers or {})
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        started = time.monotonic()
        async with self._session.post(self.url, data=body.encode(), headers=all_headers) as resp:
            text = await resp.text()
            return AppResponse(resp.status, text, dict(resp.headers), time.monotonic() - started)

    async def slash_command(self, form: Mapping[str, str]) -> AppResponse:
        """A slash command (form from `payloads.slash_command`)."""
        return await self.post(urlencode(form), FORM)

    async def interactivity(self, payload: Mapping[str, Any]) -> AppResponse:
        """Shortcuts, block_actions, view_submission: form body `payload=<json>`."""
        response = await self.post(urlencode({"payload": json.dumps(payload)}), FORM)
        if (
            self.slack is not None
            and payload.get("type") == "view_submission"
            and response.status == 200
        ):
            ack = response.json() if response.text.strip().startswith("{") else None
            self.slack.apply_view_submission_ack(payload["user"]["id"], ack)
        return response

    async def event(
        self,
        envelope: Mapping[str, Any],
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> AppResponse:
        """An Events API delivery; retries carry `X-Slack-Retry-Num`/`-Reason`."""
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return await self.post(json.dumps(envelope), JSON, headers=headers)

    async def url_verification(self, challenge: str = "fake-challenge") -> AppResponse:
        body = {
            "token": "fake-verification-token",
            "challenge": challenge,
            "type": "url_verification",
        }
        return await self.post(json.dumps(body), JSON)

    async def ssl_check(self) -> AppResponse:
        """Slack's `ssl_check=1` probe to a slash command URL; expect 200 and no effects."""
        return await self.post(
            urlencode({"ssl_check": "1", "token": "fake-verification-token"}), FORM
        )
