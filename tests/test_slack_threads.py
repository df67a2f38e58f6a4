"""Files shared in a mirrored ticket thread become attachments of the message they came with."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Attachment, Message
from core.services import tickets
from tests.fakeslack import payloads
from tests.support.mirror_helpers import mirrored
from tests.support.slack_env import SlackEnv

CARL = "U0CARL"
CONTOSO = "C0CONTIX"


async def test_a_file_shared_in_a_ticket_thread_is_recorded_with_its_message(
    slack_env: SlackEnv,
) -> None:
    env = slack_env
    async with mirrored(env) as m:
        ticket = await env.world.act("carl", tickets.create, title="Printer on fire")
        thread_ts = await m.thread(ticket.id, "contoso")
        message = m.slack.add_message(CONTOSO, CARL, "Photo of the smoke", thread_ts=thread_ts)
        event = payloads.message_event(m.slack, message, channel=CONTOSO)
        event["subtype"] = "file_share"
        event["files"] = [
            {
                "id": "F0SMOKE",
                "name": "smoke.jpg",
                "mimetype": "image/jpeg",
                "size": 2048,
                "permalink": "https://files.example/smoke.jpg",
            },
            {"id": "F0NOTES", "title": "notes"},
        ]
        await m.deliver(event, CARL)

        async def attachments() -> list[Attachment]:
            async with env.sessions() as session:
                return list(await session.scalars(select(Attachment).order_by(Attachment.id)))

        smoke, notes = await m.until(attachments)
    async with env.sessions() as session:
        [posted] = await session.scalars(select(Message))
    assert posted.body == (
        "Photo of the smoke\n:paperclip: <https://files.example/smoke.jpg|smoke.jpg>"
        "\n:paperclip: notes"
    )
    assert (smoke.ticket_id, smoke.message_id) == (ticket.id, posted.id)
    assert (smoke.slack_file_id, smoke.name, smoke.mimetype, smoke.size, smoke.url) == (
        "F0SMOKE",
        "smoke.jpg",
        "image/jpeg",
        2048,
        "https://files.example/smoke.jpg",
    )
    assert (notes.slack_file_id, notes.name, notes.url) == ("F0NOTES", "notes", None)
    assert smoke.uploaded_by_id == posted.author_id
