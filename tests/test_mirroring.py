"""Thread mirroring end to end: people type in Slack threads, the app records and relays.

Every test runs the served app and a delivery worker against the fake Slack; what is
asserted is what each org sees in its own thread, and what the database holds.
"""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import Message, Notification, Reaction, ThreadKind, Ticket
from core.services import tickets
from tests.fakeslack import payloads
from tests.support.mirror_helpers import mirrored
from tests.support.slack_env import flatten_text

CARL, NINA, ANA, FAY = "U0CARL", "U0NINA", "U0ANA", "U0FAY"
CONTOSO, NORTHWIND, PLATFORM, ESCALATIONS = "C0CONTIX", "C0NWTIX", "C0PLATTIX", "C0ESC"


async def _count(env, query):
    async with env.sessions() as s:
        return await s.scalar(query)


async def test_conversation_flows_between_sub_org_partner_and_platform(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="Printer on fire")
        contoso = await m.thread(ticket.id, "contoso")
        northwind = await m.thread(ticket.id, "northwind")
        root = m.slack.message(NORTHWIND, northwind)
        assert ticket.display_id in flatten_text(root)

        await m.say(CARL, CONTOSO, contoso, "It smells of toner")
        copy = await m.reply_containing(NORTHWIND, northwind, "It smells of toner")
        assert copy["username"] == "Carl (Contoso)"
        assert "*Contoso*" in copy["text"]

        await m.say(NINA, NORTHWIND, northwind, "Unplug it please")
        await m.reply_containing(CONTOSO, contoso, "Unplug it please")

        form = await slack_env.command(NINA, f"escalate {ticket.display_id} firmware bug")
        await slack_env.responses(form)
        platform = await m.thread(ticket.id, "revampd")
        platform_root = flatten_text(m.slack.message(PLATFORM, platform))
        assert "firmware bug" in platform_root
        assert "It smells of toner" in platform_root  # the history it missed
        feed = await m.thread(ticket.id, "revampd", ThreadKind.ESCALATION_FEED)
        assert ticket.display_id in flatten_text(m.slack.message(ESCALATIONS, feed))

        await m.say(ANA, PLATFORM, platform, "Firmware 2.1 fixes it")
        await m.reply_containing(CONTOSO, contoso, "Firmware 2.1 fixes it")
        await m.reply_containing(NORTHWIND, northwind, "Firmware 2.1 fixes it")

        await slack_env.responses(await slack_env.command(ANA, f"deescalate {ticket.display_id}"))
        await m.say(CARL, CONTOSO, contoso, "Updated, works now")
        for channel, root_ts in ((NORTHWIND, northwind), (PLATFORM, platform)):
            await m.reply_containing(channel, root_ts, "Updated, works now")

        # After every change, every card shows the same state.
        roots = ((CONTOSO, contoso), (NORTHWIND, northwind), (PLATFORM, platform))

        async def cards_agree():
            facts = {_card_facts(m.slack.message(ch, ts)) for ch, ts in roots}
            return len(facts) == 1 and "Northwind" in next(iter(facts))

        await m.until(cards_agree)
    assert await _count(slack_env, select(func.count()).select_from(Message)) == 4


async def test_cards_show_the_same_stage_and_owner_everywhere(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="Card sync")
        roots = [(CONTOSO, await m.thread(ticket.id, "contoso")),
                 (NORTHWIND, await m.thread(ticket.id, "northwind"))]  # fmt: skip
        await slack_env.responses(await slack_env.command(NINA, f"stage {ticket.display_id} WIP"))
        await slack_env.responses(
            await slack_env.command(NINA, f"assign {ticket.display_id} <@U0NED>")
        )

        async def synced():
            facts = {_card_facts(m.slack.message(ch, ts)) for ch, ts in roots}
            return len(facts) == 1 and all("Work in progress" in f and "Ned" in f for f in facts)

        await m.until(synced)


async def test_edits_deletes_and_reactions_follow_every_copy(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="Follow me")
        contoso = await m.thread(ticket.id, "contoso")
        northwind = await m.thread(ticket.id, "northwind")
        original = await m.say(CARL, CONTOSO, contoso, "first version")
        copy = await m.reply_containing(NORTHWIND, northwind, "first version")
        assert await _count(slack_env, select(Ticket.needs_response)) is True

        edited = {**original, "text": "second version"}
        event = payloads.message_changed_event(
            m.slack, channel=CONTOSO, message=edited, previous_message=original
        )
        await m.deliver(event, CARL)
        await m.until(lambda: _text_is(m, NORTHWIND, copy["ts"], "second version"))
        assert await _count(slack_env, select(Message.body)) == "second version"

        # Nina acknowledges on her copy: recorded once, mirrored onto Carl's original.
        reaction = payloads.reaction_event(
            m.slack, user=NINA, reaction="eyes", channel=NORTHWIND, ts=copy["ts"]
        )
        await m.deliver(reaction, NINA)
        await m.until(lambda: _reacted(m, CONTOSO, original["ts"], "eyes"))
        assert await _count(slack_env, select(func.count()).select_from(Reaction)) == 1
        assert await _count(slack_env, select(Ticket.needs_response)) is False
        acknowledged = (
            select(func.count())
            .select_from(Notification)
            .where(Notification.event == "message.acknowledged")
        )
        assert await _count(slack_env, acknowledged) == 2  # carl and cora

        deleted = payloads.message_deleted_event(m.slack, channel=CONTOSO, previous_message=edited)
        await m.deliver(deleted, CARL)
        await m.until(lambda: _gone(m, NORTHWIND, copy["ts"]))
        assert await _count(slack_env, select(Message.deleted_at)) is not None


def _card_facts(message):
    """The card's fields (stage, severity, orgs, owner): what every thread must agree on."""
    return "\n".join(
        field["text"] for block in message.get("blocks", []) for field in block.get("fields", [])
    )


async def _text_is(m, channel, ts, text):
    message = m.slack.message(channel, ts)
    return message is not None and text in message.get("text", "")


async def _reacted(m, channel, ts, emoji):
    return emoji in m.slack.reactions(channel, ts)


async def _gone(m, channel, ts):
    return m.slack.message(channel, ts) is None


async def test_retries_and_duplicates_have_one_effect(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="Once only")
        contoso = await m.thread(ticket.id, "contoso")
        message = m.slack.add_message(CONTOSO, CARL, "hello once", thread_ts=contoso)
        event = payloads.message_event(m.slack, message, channel=CONTOSO)
        first = await m.deliver(event, CARL)
        for retry in (1, 2, 3):  # Slack's retries carry the same event_id
            await m.deliver(
                event,
                CARL,
                event_id=first["event_id"],
                retry_num=retry,
                retry_reason="http_timeout",
            )
        await m.deliver(event, CARL)  # same message under a new event_id
        lost_first = m.slack.add_message(CONTOSO, CARL, "only the retry", thread_ts=contoso)
        await m.deliver(
            payloads.message_event(m.slack, lost_first, channel=CONTOSO),
            CARL,
            retry_num=1,
            retry_reason="http_error",
        )
        await m.reply_containing(
            NORTHWIND, await m.thread(ticket.id, "northwind"), "only the retry"
        )
    bodies = await _bodies(slack_env)
    assert bodies == ["hello once", "only the retry"]


async def _bodies(env):
    async with env.sessions() as s:
        return list(await s.scalars(select(Message.body).order_by(Message.id)))


async def test_bot_posts_and_unfurls_are_never_taken_back_in(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="No loops")
        northwind = await m.thread(ticket.id, "northwind")
        await m.say(CARL, CONTOSO, await m.thread(ticket.id, "contoso"), "see https://x.example")
        copy = await m.reply_containing(NORTHWIND, northwind, "see")
        # Slack echoes the bot's own relayed post, then an unfurl edit of it.
        await m.deliver(payloads.message_event(m.slack, copy, channel=NORTHWIND), NINA)
        unfurled = {**copy, "attachments": [{"title": "x.example"}]}
        event = payloads.message_changed_event(
            m.slack, channel=NORTHWIND, message=unfurled, previous_message=copy
        )
        await m.deliver(event, NINA)
    assert await _bodies(slack_env) == ["see https://x.example"]
    relays = [c for c in slack_env.slack.calls("chat.postMessage") if c.args.get("username")]
    assert len(relays) == 1


async def test_unmapped_and_uninvolved_posters_are_told_and_not_recorded(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="Who are you")
        contoso = await m.thread(ticket.id, "contoso")
        m.slack.add_user("T0NORTH", "U0STRANGER", "stranger", email="s@nowhere.example")
        m.slack.channels[CONTOSO].members.update({"U0STRANGER", FAY})
        await m.say("U0STRANGER", CONTOSO, contoso, "let me in")
        told = await m.until(lambda: _ephemeral(m, CONTOSO, "U0STRANGER"))
        assert "nothing was recorded" in told
        assert "let me in" in told
        await m.say(FAY, CONTOSO, contoso, "fabrikam here")
        told = await m.until(lambda: _ephemeral(m, CONTOSO, FAY))
        assert "not part of" in told
    assert await _bodies(slack_env) == []


async def _ephemeral(m, channel, user):
    shown = m.slack.ephemerals(channel, user)
    return flatten_text(shown[-1]) if shown else None


async def test_internal_note_only_in_the_authors_thread(slack_env):
    async with mirrored(slack_env) as m:
        ticket = await slack_env.world.act("carl", tickets.create, title="Secret")
        contoso = await m.thread(ticket.id, "contoso")
        northwind = await m.thread(ticket.id, "northwind")
        await slack_env.responses(
            await slack_env.command(NINA, f"note {ticket.display_id} customer is on v1")
        )
        note = await m.reply_containing(NORTHWIND, northwind, "customer is on v1")
        assert "Internal note" in note["text"]
        await m.say(CARL, CONTOSO, contoso, "any news?")
        await m.reply_containing(NORTHWIND, northwind, "any news?")
    assert not any("customer is on v1" in flatten_text(x) for x in m.replies(CONTOSO, contoso))
    assert "customer is on v1" not in flatten_text(slack_env.slack.dm_messages(CARL))
