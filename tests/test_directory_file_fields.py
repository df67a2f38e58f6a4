"""Directory-file problems of one field (SPEC §5): unknown and missing keys, wrong types,
enum values, slugs, e-mails, domains, names and Slack ids; each with its exact line.
"""

from __future__ import annotations

import pytest

from core.formats.directory_file import parse_directory
from tests.support.directory_text import PLATFORM, only, problems

# --- per-field problems --------------------------------------------------------------------


def test_unknown_keys_point_at_the_key() -> None:
    text = PLATFORM + (
        "    colour: blue\n"  # 5
        "    slack:\n"  # 6
        "      team: T0P\n"  # 7
        "      channel: C0X\n"  # 8
        "users:\n"  # 9
        "  - email: a@x.io\n"  # 10
        "    name: A\n"  # 11
        "    org: revampd\n"  # 12
        "    emial: b@x.io\n"  # 13
    )
    found = problems(text)
    assert [line for line, _ in found] == [5, 8, 13]
    assert found[0][1].startswith("org 'revampd' has unknown key `colour`")
    assert "allowed: slug, name, kind, parent, email_domains, slack" in found[0][1]
    assert "org 'revampd': `slack` has unknown key `channel`" in found[1][1]
    assert "did you mean `ticket_channel`" in found[1][1]
    assert "did you mean `email`" in found[2][1]


def test_missing_keys_point_at_the_mapping() -> None:
    text = PLATFORM + (
        "    slack:\n"  # 5
        "      notify: dm\n"  # 6
        "  - slug: nw\n"  # 7
        "    name: N\n"  # 8
        "users:\n"  # 9
        "  - {email: a@x.io, org: revampd}\n"  # 10
    )
    assert problems(text) == [
        (6, "org 'revampd': `slack` is missing `team:` (the Slack team id, like T0123ABCD)"),
        (7, "org 'nw' is missing `kind:` (one of platform, partner, sub_org, self_serve)"),
        (10, "user 'a@x.io' is missing `name:` (the display name)"),
    ]


def test_wrong_types_suggest_quotes() -> None:
    text = PLATFORM + (
        "  - slug: 2024\n"  # 5
        "    name: no\n"  # 6
        "    kind: partner\n"  # 7
        "    email_domains: example.com\n"  # 8
        "    slack: T0NW\n"  # 9
        "users:\n"  # 10
        "  - {email: a@x.io, name: 2024-01-01, org: revampd}\n"  # 11
    )
    found = problems(text)
    assert [line for line, _ in found] == [5, 6, 8, 9, 11]
    assert "`slug` must be text, but YAML reads `2024` as a number" in found[0][1]
    assert 'reads `no` as true/false; put it in quotes: "no"' in found[1][1]
    assert "`email_domains` must be a list like `[a, b]`, not text" in found[2][1]
    assert "`slack` must be a mapping of keys to values, not text" in found[3][1]
    assert "reads `2024-01-01` as a date" in found[4][1]


def test_unknown_enum_values_list_the_allowed_ones() -> None:
    text = PLATFORM + (
        "    slack: {team: T0P, notify: email}\n"  # 5
        "  - {slug: nw, name: N, kind: partnr}\n"  # 6
        "users:\n"  # 7
        "  - {email: a@x.io, name: A, org: revampd, roles: [member, owner]}\n"  # 8
    )
    assert problems(text) == [
        (5, "org 'revampd': `slack.notify` cannot be 'email'; use one of 'channel', 'dm', 'both'"),
        (
            6,
            "org 'nw': `kind` cannot be 'partnr'; use one of "
            "'platform', 'partner', 'sub_org', 'self_serve'",
        ),
        (
            8,
            "user 'a@x.io': `roles` cannot be 'owner'; use one of 'member', 'support_rep', 'admin'",
        ),
    ]


@pytest.mark.parametrize("slug", ["Contoso", "-lead", "con_toso", "a" * 65, "'  '", "über"])
def test_bad_slugs(slug: str) -> None:
    line, message = only(PLATFORM + f"  - {{slug: {slug}, name: C, kind: self_serve}}\n")
    assert line == 5
    assert "must be 1-64 lowercase letters, digits or hyphens" in message


def test_bad_slug_suggests_a_fix() -> None:
    _, message = only(PLATFORM + "  - {slug: Contoso Ltd, name: C, kind: self_serve}\n")
    assert message.endswith("like 'contoso-ltd'")


@pytest.mark.parametrize("slug", ["a", "9lives", "a-", "x" * 64, "co-op-2"])
def test_good_slugs(slug: str) -> None:
    parse_directory(PLATFORM + f"  - {{slug: {slug}, name: C, kind: self_serve}}\n")


@pytest.mark.parametrize("email", ["ana", "ana@", "@x.io", "ana@localhost", "a b@x.io", "a@x..io"])
def test_bad_emails(email: str) -> None:
    line, message = only(PLATFORM + f"users:\n  - {{email: '{email}', name: A, org: revampd}}\n")
    assert line == 6
    assert "is not an e-mail address" in message


@pytest.mark.parametrize("domain", ["localhost", "bad_domain.com", "-x.com", "x.123", "bücher.de"])
def test_bad_email_domains(domain: str) -> None:
    text = PLATFORM + f"    email_domains:\n      - ok.example\n      - {domain}\n"
    line, message = only(text)
    assert line == 7
    assert f"'{domain}' is not a domain name" in message


def test_repeated_domain_and_role() -> None:
    text = PLATFORM + (
        "    email_domains: [a.io, A.io]\n"  # 5
        "users:\n"  # 6
        "  - {email: a@x.io, name: A, org: revampd, roles: [admin, admin]}\n"  # 7
        "  - {email: b@x.io, name: B, org: revampd, roles: []}\n"  # 8
    )
    found = problems(text)
    assert [line for line, _ in found] == [5, 7, 8]
    assert "lists 'a.io' more than once" in found[0][1]
    assert "lists 'admin' more than once" in found[1][1]
    assert "`roles` is empty" in found[2][1]


@pytest.mark.parametrize("name", ["''", "'   '", ""])
def test_names_must_not_be_blank(name: str) -> None:
    line, message = only(PLATFORM.replace("name: Revampd", f"name: {name}"))
    assert line == 3
    assert "`name`" in message
    assert "blank" in message or "empty" in message


def test_slack_id_formats() -> None:
    text = PLATFORM + (
        "    slack: {team: E0ENT, ticket_channel: D0DM, escalations_channel: c0esc}\n"  # 5
        "users:\n"  # 6
        "  - {email: a@x.io, name: A, org: revampd, slack: {team: t0p, user: B0BOT}}\n"  # 7
        "  - {email: b@x.io, name: B, org: revampd, slack: {team: T0P, user: W0GRID}}\n"  # 8
    )
    found = problems(text)
    assert [line for line, _ in found] == [5, 5, 5, 7, 7]
    assert "'E0ENT' is not a Slack team id" in found[0][1]
    assert "'D0DM' is not a Slack channel id" in found[1][1]
    assert found[2][1].endswith("Slack ids are uppercase")
    assert "'t0p' is not a Slack team id like T0123ABCD; Slack ids are uppercase" in found[3][1]
    assert "'B0BOT' is not a Slack member id" in found[4][1]
