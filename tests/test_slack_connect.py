"""Slack Connect (CONTRACT.md §8): a directory user answered in their own org; an unknown
external user joins the one org of their e-mail domain, or is told how to be added.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.slack.identity import SlackIdentity, not_mapped_text
from core.models import OrgEmailDomain, Ticket, User
from core.services import tickets
from tests.support.slack_env import HOME_TEAM, SlackEnv, flatten_text
from tests.support.slack_platform import (
    CARL,
    CONTOSO_CHANNEL,
    HOME_TOKEN,
    NORTH,
    home_opened,
    open_create_modal,
    submission,
    ticket_titles,
)


# -- §8 Slack Connect ------------------------------------------------------------------------------
async def test_slack_connect_user_in_the_directory_gets_their_own_orgs_answers(
    slack_env: SlackEnv,
) -> None:
    env, fake = slack_env, slack_env.slack
    assert env.team_of(CARL) == NORTH != HOME_TEAM  # carl is in the partner's workspace
    await env.world.act("carl", tickets.create, title="Contoso printer")
    await env.world.act("fay", tickets.create, title="Fabrikam badge reader")

    listing = await env.reply_text(await env.command(CARL, "list"))
    assert "Open tickets visible to Contoso" in listing
    assert "Contoso printer" in listing
    assert "Fabrikam" not in listing

    view = await open_create_modal(env, CARL, "new VPN drops")
    assert view["app_installed_team_id"] == HOME_TEAM
    response = await env.sender.interactivity(submission(env, CARL, view, "VPN drops"))
    assert (response.status, response.text) == (200, "")
    [created] = await env.eventually(
        lambda: [
            m
            for m in fake.ephemerals(CONTOSO_CHANNEL, CARL)
            if str(m.get("text")).startswith("Created")
        ]
    )
    assert created["text"] == "Created TKT-3: VPN drops"
    async with env.sessions() as session:
        ticket = await session.get_one(Ticket, 3)
        assert ticket.title == "VPN drops"
        assert ticket.requester_org_id == env.world.org_ids["contoso"]
        assert ticket.assigned_org_id == env.world.org_ids["northwind"]

    # An event from the other side: envelope team_id is carl's, authorizations[0] ours.
    event = home_opened(env, CARL)
    assert (event["team_id"], event["authorizations"][0]["team_id"]) == (NORTH, HOME_TEAM)
    assert (await env.sender.event(event)).status == 200
    home = flatten_text(await env.eventually(lambda: fake.home_view(CARL)))
    assert "Contoso" in home
    assert "VPN drops" in home
    assert "Fabrikam" not in home

    assert {c.token for c in fake.calls()} == {HOME_TOKEN}
    assert all(c.ok for c in fake.calls())


async def _add_email_domain(env: SlackEnv, slug: str, domain: str) -> None:
    async with env.sessions.begin() as session:
        session.add(OrgEmailDomain(org_id=env.world.org_ids[slug], domain=domain))


async def test_unknown_external_user_with_a_known_domain_joins_that_org_as_member(
    slack_env: SlackEnv,
) -> None:
    env, fake = slack_env, slack_env.slack
    await _add_email_domain(env, "contoso", "contoso-corp.example")
    fake.add_user(
        NORTH,
        "U0NEWBIE",
        "newbie",
        "Newbie@Contoso-Corp.example",
        real_name="Nora Newbie",
        visible_to=[HOME_TEAM],
    )
    await env.world.act("carl", tickets.create, title="Contoso printer")

    first = await env.reply_text(await env.command("U0NEWBIE", "list", channel=CONTOSO_CHANNEL))
    assert "Open tickets visible to Contoso" in first
    assert "Contoso printer" in first
    [lookup] = fake.calls("users.info")
    assert (lookup.args["user"], lookup.token, lookup.ok) == ("U0NEWBIE", HOME_TOKEN, True)
    async with env.sessions() as session:
        user = await session.scalar(select(User).where(User.slack_user == "U0NEWBIE"))
        assert user is not None
        assert (user.email, user.name, user.slack_team) == (
            "newbie@contoso-corp.example",
            "Nora Newbie",
            NORTH,
        )
        assert user.org_id == env.world.org_ids["contoso"]
        assert not user.is_support_rep
        assert not user.is_admin

    again = await env.reply_text(await env.command("U0NEWBIE", "list", channel=CONTOSO_CHANNEL))
    assert "Contoso printer" in again
    assert len(fake.calls("users.info")) == 1  # mapped now: a database lookup


@pytest.mark.parametrize("case", ["no_domain_matches", "two_orgs_match", "user_not_visible"])
async def test_unmappable_external_user_is_told_how_to_be_added_and_looked_up_once(
    slack_env: SlackEnv, case: str
) -> None:
    env, fake = slack_env, slack_env.slack
    await _add_email_domain(env, "contoso", "contoso-corp.example")
    await _add_email_domain(env, "fabrikam", "shared.example")
    await _add_email_domain(env, "contoso", "shared.example")
    email, visible_to = {
        "no_domain_matches": ("stranger@elsewhere.example", [HOME_TEAM]),
        "two_orgs_match": ("stranger@shared.example", [HOME_TEAM]),
        # The domain would match, but Slack will not show us the user.
        "user_not_visible": ("stranger@contoso-corp.example", []),
    }[case]
    fake.add_user(NORTH, "U0STRANGER", "stranger", email, visible_to=visible_to)
    expected = not_mapped_text(SlackIdentity(team=NORTH, user="U0STRANGER"))

    listing = await env.command("U0STRANGER", "list", channel=CONTOSO_CHANNEL)
    [answer] = await env.responses(listing)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == expected
    assert "nothing was recorded" in expected
    assert "add you" in expected

    # Within the negative cache: no second users.info, and nothing is filed.
    filing = await env.command("U0STRANGER", "new Please help", channel=CONTOSO_CHANNEL)
    assert await env.reply_text(filing) == expected
    [lookup] = fake.calls("users.info")
    assert lookup.args["user"] == "U0STRANGER"
    assert lookup.error == ("user_not_visible" if case == "user_not_visible" else None)
    assert fake.calls("views.open") == []
    assert await ticket_titles(env.sessions) == []
    async with env.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.slack_user == "U0STRANGER")
        )
        assert count == 0
