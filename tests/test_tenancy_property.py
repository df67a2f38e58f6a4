"""Property: over generated directories and operation sequences, nobody sees or hears about a
ticket outside the orgs involved in it, and internal notes never leave the author's org."""

from __future__ import annotations

import asyncio
import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from core.db import create_engine, create_sessionmaker
from core.errors import ThreadlineError
from core.models import (
    Base,
    Message,
    MessageCopy,
    Notification,
    Organization,
    OutboxMessage,
    Ticket,
    TicketInvolvedOrg,
    User,
)
from core.rules.stages import Stage
from core.services import conversation, escalation, queries, relations, tickets

NOTIFY = st.sampled_from(["channel", "dm", "both"])
PERSON = st.tuples(st.booleans(), st.booleans(), st.booleans())  # rep, admin, has Slack
PEOPLE = st.lists(PERSON, min_size=1, max_size=3)
ORG = st.tuples(NOTIFY, PEOPLE)
DIRECTORY = st.fixed_dictionaries(
    {
        "platform": ORG,
        "partners": st.lists(st.tuples(ORG, st.lists(ORG, max_size=2)), min_size=1, max_size=2),
        "self_serve": st.lists(ORG, max_size=2),
    }
)
OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "create_for",
                "message",
                "note",
                "reply",
                "react",
                "escalate",
                "deescalate",
                "stage",
                "assign",
                "subscribe",
            ]
        ),
        st.integers(0, 1_000),  # actor
        st.integers(0, 1_000),  # ticket / target org / message
        st.integers(0, 1_000),  # extra choice
    ),
    min_size=1,
    max_size=25,
)


async def _build(sessions, directory) -> None:
    async with sessions.begin() as s:
        counter = iter(range(10_000))

        async def org(kind, spec, parent=None):
            notify, people = spec
            n = next(counter)
            row = Organization(
                slug=f"o{n}",
                name=f"Org {n}",
                kind=kind,
                parent_id=parent.id if parent else None,
                slack_team="T0TEAM",
                ticket_channel=f"C0CH{n}",
                escalations_channel="C0ESC" if kind == "platform" else None,
                notify=notify,
            )
            s.add(row)
            await s.flush()
            for rep, admin, slack in people:
                u = next(counter)
                s.add(
                    User(
                        email=f"u{u}@o{n}.example",
                        name=f"User {u}",
                        org=row,
                        is_support_rep=rep,
                        is_admin=admin,
                        slack_team="T0TEAM" if slack else None,
                        slack_user=f"U0{u}" if slack else None,
                    )
                )
            return row

        await org("platform", directory["platform"])
        for partner_spec, subs in directory["partners"]:
            partner = await org("partner", partner_spec)
            for sub in subs:
                await org("sub_org", sub, partner)
        for spec in directory["self_serve"]:
            await org("self_serve", spec)


async def _apply(sessions, op, actor_i, target_i, extra) -> None:
    async with sessions.begin() as s:
        users = list(await s.scalars(select(User).order_by(User.id)))
        orgs = list(await s.scalars(select(Organization).order_by(Organization.id)))
        ticket_ids = list(await s.scalars(select(Ticket.id).order_by(Ticket.id)))
        message_ids = list(await s.scalars(select(Message.id).order_by(Message.id)))
        actor = users[actor_i % len(users)]
        ticket = ticket_ids[target_i % len(ticket_ids)] if ticket_ids else 1
        message = message_ids[target_i % len(message_ids)] if message_ids else 1
        match op:
            case "create":
                await tickets.create(s, actor=actor, title=f"t{extra}")
            case "create_for":
                target = orgs[target_i % len(orgs)]
                await tickets.create(s, actor=actor, title=f"for {target.slug}", for_org=target)
            case "message" | "note":
                await conversation.post_message(
                    s, actor=actor, ticket=ticket, body=f"m{extra}", internal=op == "note"
                )
            case "reply" if message_ids:
                reply_to = await s.get_one(Message, message)
                await conversation.post_message(
                    s, actor=actor, ticket=reply_to.ticket_id, body="re", reply_to=message
                )
            case "react":
                emoji = ["eyes", "tada", "white_check_mark"][extra % 3]
                await conversation.react(s, actor=actor, message_id=message, emoji=emoji)
            case "escalate":
                await escalation.escalate(s, actor=actor, ticket=ticket)
            case "deescalate":
                await escalation.deescalate(s, actor=actor, ticket=ticket)
            case "stage":
                stage = list(Stage)[extra % len(Stage)]
                await tickets.change_stage(s, actor=actor, ticket=ticket, stage=stage)
            case "assign":
                await tickets.assign(
                    s, actor=actor, ticket=ticket, assignee=users[extra % len(users)]
                )
            case "subscribe":
                await relations.set_subscription(s, actor=actor, ticket=ticket, subscribed=True)


async def _check_invariants(sessions) -> None:
    async with sessions() as s:
        involved: dict[int, set[int]] = {}
        for ticket_id, org_id in await s.execute(
            select(TicketInvolvedOrg.ticket_id, TicketInvolvedOrg.org_id)
        ):
            involved.setdefault(ticket_id, set()).add(org_id)
        users = {u.id: u for u in await s.scalars(select(User))}
        orgs = {o.id: o for o in await s.scalars(select(Organization))}

        for n in await s.scalars(select(Notification)):
            org_id = users[n.user_id].org_id
            assert org_id in involved[n.ticket_id], "notification outside involved orgs"
            if n.payload["internal"]:
                assert org_id == users[n.payload["actor_id"]].org_id, "internal note leaked"

        for row in await s.scalars(select(OutboxMessage)):
            assert row.org_id in involved[row.ticket_id], "outbox row for an uninvolved org"
            if row.user_id is not None:
                assert users[row.user_id].org_id in involved[row.ticket_id]
            if row.slack_channel is not None:
                org = orgs[row.org_id]
                assert row.slack_channel in {org.ticket_channel, org.escalations_channel}
            if "copy_id" in row.payload:  # a relayed message, edit, delete or reaction
                copy = await s.get_one(MessageCopy, row.payload["copy_id"])
                message = await s.get_one(Message, copy.message_id)
                if message.is_internal:
                    assert row.org_id == message.author_org_id, "internal note relayed out"
            elif row.payload.get("internal"):
                author_org = users[row.payload["actor_id"]].org_id
                assert row.org_id == author_org, "internal note left its org"

        for user in users.values():
            page = await queries.list_tickets(s, viewer=user, limit=100)
            seen = {t.id for t in page.tickets}
            assert seen == {t for t, orgs_ in involved.items() if user.org_id in orgs_}
            for ticket_id in seen:
                details = await queries.show(s, viewer=user, ticket=ticket_id)
                for view in details.messages:
                    m = view.message
                    assert not m.is_internal or m.author_org_id == user.org_id


async def _scenario(url: str, directory, ops) -> None:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(delete(table))
        await _build(sessions, directory)
        for op in ops:
            # Refusals are part of the property: they must change nothing.
            with contextlib.suppress(ThreadlineError):
                await _apply(sessions, *op)
        await _check_invariants(sessions)
    finally:
        await engine.dispose()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(directory=DIRECTORY, ops=OPS)
def test_no_leaks_across_tenants(database_url, directory, ops):
    asyncio.run(_scenario(database_url, directory, ops))
