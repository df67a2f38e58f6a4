"""Typed deliveries (`core.outbox.deliveries`): one lane per Slack target, whoever queues for
it, and a sender for every kind (`bot.delivery.registry`)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.registry import build_senders
from core.models import Organization, ThreadKind, TicketThread, User
from core.outbox import deliveries
from core.outbox.deliveries import DeliveryKind

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ORG = Organization(id=7, slack_team="T1", ticket_channel="C1")
USER = User(id=3, org_id=7, slack_team="T1", slack_user="U1")
THREAD = TicketThread(
    id=11, ticket_id=5, org_id=7, kind=ThreadKind.TICKET, slack_team="T1", slack_channel="C1"
)


def test_a_channel_notice_and_a_relay_into_that_channel_share_its_lane():
    notice = deliveries.channel_post(
        DeliveryKind.NOTIFY_CHANNEL,
        event_id="e1",
        ticket_id=5,
        org=ORG,
        channel="C1",
        payload={},
        now=NOW,
    )
    (relay,) = deliveries.relays(DeliveryKind.RELAY_POST, [(THREAD, 21)])
    (card,) = deliveries.card_updates([THREAD])
    assert notice.lane == relay.lane == card.lane == "T1:C1"
    assert relay.payload == {"thread_id": 11, "copy_id": 21}


def test_a_users_dms_and_app_home_are_paced_apart():
    dm = deliveries.direct_message(event_id="e1", ticket_id=5, user=USER, payload={}, now=NOW)
    home = deliveries.home_refresh(event_id="e1", ticket_id=5, user=USER, payload={}, now=NOW)
    assert (dm.lane, home.lane) == ("T1:dm:U1", "T1:home:U1")
    assert dm.dedupe_key != home.dedupe_key
    assert dm.next_attempt_at == NOW < home.next_attempt_at  # the Home waits for the burst


def test_each_mirroring_delivery_is_its_own_row():
    first, second = deliveries.thread_opens([THREAD, THREAD], summary="why")
    assert first.dedupe_key != second.dedupe_key
    assert first.row()["payload"] == {"thread_id": 11, "summary": "why"}


def test_every_kind_of_delivery_has_a_sender():
    assert set(build_senders()) == {kind.value for kind in DeliveryKind}
