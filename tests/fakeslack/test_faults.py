"""Injected faults and the channel rate limit, as the real AsyncWebClient experiences them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack.catalog import SELF_TEST_SCOPES

from . import FakeSlack

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(seed=7) as fake:
        fake.add_team(
            "T0NORTH",
            bot_token="xoxb-north",
            bot_user_id="UBOT1",
            bot_id="B01",
            scopes=SELF_TEST_SCOPES,
        )
        fake.add_channel("T0NORTH", "C0NWTIX", "nw-tickets", members=["UBOT1"])
        fake.add_channel("T0NORTH", "C0OTHER", "other", members=["UBOT1"])
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-north", base_url=slack.api_url)


async def test_injected_429_carries_retry_after(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.inject("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0NWTIX", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    await client.chat_postMessage(channel="C0NWTIX", text="x")  # times=1: next call passes
    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 200]


async def test_rate_limit_retry_handler_waits_retry_after(slack: FakeSlack) -> None:
    slack.inject("chat.postMessage", status=429, retry_after=1)
    client = AsyncWebClient(
        token="xoxb-north",
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler()],
    )
    await client.chat_postMessage(channel="C0NWTIX", text="eventually")
    first, second = slack.calls("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 1.0
    assert [m["text"] for m in slack.messages("C0NWTIX")] == ["eventually"]


async def test_injected_503(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.inject("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0NWTIX", text="x")
    assert raised.value.response.status_code == 503
    retrying = AsyncWebClient(
        token="xoxb-north", base_url=slack.api_url, retry_handlers=[AsyncServerErrorRetryHandler()]
    )
    await retrying.chat_postMessage(channel="C0NWTIX", text="x")
    assert [c.status for c in slack.calls("chat.postMessage")] == [503, 200]


async def test_injected_latency(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.inject("auth.test", delay=0.6)
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started < 0.5


async def test_probabilistic_faults_replay_with_the_seed(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.inject(status=500, rate=0.3)  # any method, no limit
    outcomes = []
    for _ in range(40):
        try:
            await client.auth_test()
            outcomes.append(200)
        except SlackApiError as e:
            outcomes.append(e.response.status_code)
    assert 0 < outcomes.count(500) < 40
    async with FakeSlack(seed=7) as replay:
        replay.add_team(
            "T0NORTH",
            bot_token="xoxb-north",
            bot_user_id="UBOT1",
            bot_id="B01",
            scopes=SELF_TEST_SCOPES,
        )
        replay.inject(status=500, rate=0.3)
        again = AsyncWebClient(token="xoxb-north", base_url=replay.api_url)
        replayed = []
        for _ in range(40):
            try:
                await again.auth_test()
                replayed.append(200)
            except SlackApiError as e:
                replayed.append(e.response.status_code)
    assert replayed == outcomes


async def test_channel_rate_enforcement(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.enforce_channel_rate(per_second=1.0, burst=2)
    for _ in range(2):
        await client.chat_postMessage(channel="C0NWTIX", text="burst")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0NWTIX", text="too fast")
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    await client.chat_postMessage(channel="C0OTHER", text="other channel is fine")
    slack.clock.advance(1.0)
    await client.chat_postMessage(channel="C0NWTIX", text="after a second")
    assert len(slack.calls("chat.postMessage", status=429)) == 1
    assert [m["text"] for m in slack.messages("C0NWTIX")] == ["burst", "burst", "after a second"]
