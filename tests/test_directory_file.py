"""Unit tests for the directory file (SPEC §5): every problem class, with exact line numbers."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.formats.directory_file import (
    DirectoryFile,
    DirectoryFileInvalid,
    OrgEntry,
    OrgSlack,
    Problem,
    UserEntry,
    UserSlack,
    parse_directory,
)
from core.formats.directory_render import render_directory

SPEC_EXAMPLE = """\
orgs:
  - slug: revampd
    name: Revampd Support
    kind: platform
    email_domains: [revampd.example]
    slack: {team: T0PLAT, ticket_channel: C0PLATTIX, escalations_channel: C0ESC, notify: channel}
  - slug: northwind
    name: Northwind IT (partner)
    kind: partner
    slack: {team: T0NORTH, ticket_channel: C0NWTIX, notify: both}
  - slug: contoso
    name: Contoso
    kind: sub_org
    parent: northwind
    slack: {team: T0NORTH, ticket_channel: C0CONTIX, notify: dm}
users:
"""
SPEC_EXAMPLE += (
    "  - {email: ana@revampd.example, name: Ana, org: revampd, roles: [support_rep], "
    "slack: {team: T0PLAT, user: U0ANA}}\n"
)

# A valid platform org on lines 1-4; tests append lines from line 5 on.
PLATFORM = """\
orgs:
  - slug: revampd
    name: Revampd
    kind: platform
"""


def problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(DirectoryFileInvalid) as info:
        parse_directory(text)
    return [(p.line, p.message) for p in info.value.problems]


def lines_of(text: str) -> list[int | None]:
    return [line for line, _ in problems(text)]


def only(text: str) -> tuple[int | None, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


# --- valid files ---------------------------------------------------------------------------


def test_spec_example_parses() -> None:
    directory = parse_directory(SPEC_EXAMPLE)
    revampd, northwind, contoso = directory.orgs
    assert revampd == OrgEntry(
        slug="revampd",
        name="Revampd Support",
        kind="platform",
        email_domains=["revampd.example"],
        slack=OrgSlack(
            team="T0PLAT", ticket_channel="C0PLATTIX", escalations_channel="C0ESC", notify="channel"
        ),
    )
    assert northwind.kind == "partner"
    assert northwind.parent is None
    assert northwind.slack is not None
    assert northwind.slack.notify == "both"
    assert contoso.parent == "northwind"
    assert contoso.email_domains == []
    assert directory.users == [
        UserEntry(
            email="ana@revampd.example",
            name="Ana",
            org="revampd",
            roles=["support_rep"],
            slack=UserSlack(team="T0PLAT", user="U0ANA"),
        )
    ]


def test_render_of_spec_example_is_the_spec_example() -> None:
    assert render_directory(parse_directory(SPEC_EXAMPLE)) == SPEC_EXAMPLE


def test_defaults_and_minimal_file() -> None:
    directory = parse_directory(
        PLATFORM + "users:\n  - {email: Bo@X.Example, name: Bo, org: revampd}\n"
    )
    user = directory.users[0]
    assert user.email == "bo@x.example"  # normalised
    assert user.roles == ["member"]
    assert user.slack is None
    assert parse_directory(PLATFORM).users == []  # `users:` may be left out
    slack = parse_directory(PLATFORM + "    slack: {team: T0P}\n").orgs[0].slack
    assert slack == OrgSlack(
        team="T0P", ticket_channel=None, escalations_channel=None, notify="channel"
    )


def test_email_domains_are_lowercased() -> None:
    org = parse_directory(
        PLATFORM + "    email_domains: [Revampd.Example, xn--bcher-kva.de]\n"
    ).orgs[0]
    assert org.email_domains == ["revampd.example", "xn--bcher-kva.de"]


def test_unicode_names_round_trip() -> None:
    text = PLATFORM.replace("name: Revampd", "name: Révampd Ünïcode 東京 🚀") + (
        "users:\n"
        "  - {email: zoë@example.com, name: 'Zoë: \"quoted\" # not a comment', org: revampd}\n"
    )
    directory = parse_directory(text)
    assert directory.orgs[0].name == "Révampd Ünïcode 東京 🚀"
    assert directory.users[0].name == 'Zoë: "quoted" # not a comment'
    rendered = render_directory(directory)
    assert "東京 🚀" in rendered  # written as is, not as escapes
    assert parse_directory(rendered) == directory


def test_merge_keys_and_anchors_are_allowed() -> None:
    text = (
        "orgs:\n"
        "  - {slug: revampd, name: R, kind: platform, slack: &s {team: T0A, notify: dm}}\n"
        "  - {slug: nw, name: N, kind: partner, slack: {<<: *s, notify: both}}\n"
    )
    orgs = parse_directory(text).orgs
    assert orgs[1].slack == OrgSlack(team="T0A", notify="both")


def test_render_is_deterministic_and_omits_unset_keys() -> None:
    directory = parse_directory(PLATFORM + "users:\n  - {email: a@x.io, name: A, org: revampd}\n")
    rendered = render_directory(directory)
    assert rendered == render_directory(parse_directory(rendered))
    assert rendered == (
        PLATFORM + "users:\n  - {email: a@x.io, name: A, org: revampd, roles: [member]}\n"
    )
    assert render_directory(DirectoryFile(orgs=directory.orgs)).endswith("users: []\n")


# --- YAML and file shape -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_empty_file_is_a_single_problem(text: str) -> None:
    line, message = only(text)
    assert line == 1
    assert "empty" in message
    assert "orgs:" in message


def test_yaml_syntax_error_has_the_parser_line() -> None:
    line, message = only(PLATFORM + "   name: misindented\n")
    assert line == 5
    assert "not valid YAML" in message
    assert "indentation" in message


def test_unclosed_flow_list_is_a_syntax_error() -> None:
    assert lines_of("orgs: [\n\n") == [3]


def test_unsafe_tags_are_rejected() -> None:
    line, message = only("orgs: !!python/object/apply:os.system ['echo pwned']\n")
    assert line == 1
    assert "no tags" in message


def test_alias_bomb_is_rejected_quickly() -> None:
    """Aliases share nodes; nothing may expand them (messages, line maps, validation)."""
    bomb = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, 9)]
    found = problems("\n".join(bomb) + "\norgs: [*b8]\nusers: *b8\n")
    assert [line for line, _ in found[:9]] == list(range(1, 10))
    # an alias reports the line where its anchor's value is written
    assert found[9] == (9, "org #1 must be a mapping of keys to values, not a list")


def test_several_documents_are_rejected() -> None:
    line, message = only(PLATFORM + "---\nusers: []\n")
    assert line == 5
    assert "`---`" in message


def test_unprintable_character_is_located() -> None:
    line, message = only(PLATFORM + "users: []\n# bell \x07\n")
    assert line == 6
    assert "U+0007" in message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n", "# only a comment\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    line, message = only(text)
    assert line == 1
    assert "must be a mapping" in message


def test_unknown_top_level_key() -> None:
    line, message = only(PLATFORM + "users: []\nuser: []\n")
    assert line == 6
    assert "unknown top-level key `user`" in message
    assert "did you mean `users`" in message


def test_missing_orgs() -> None:
    line, message = only("# comment\nusers: []\n")
    assert line == 1
    assert "no `orgs:` list" in message


@pytest.mark.parametrize("value", ["foo", "", "{a: 1}"])
def test_orgs_and_users_must_be_lists(value: str) -> None:
    found = problems(f"# header\norgs: {value}\nusers: {value}\n")
    assert [line for line, _ in found] == [2, 3]
    assert "`orgs:` must be a list" in found[0][1]
    assert "`users: []`" in found[1][1]


def test_duplicate_mapping_key() -> None:
    line, message = only(PLATFORM + "    name: Again\n")
    assert line == 5
    assert "`name` is written twice" in message
    assert "first at line 3" in message


def test_entry_that_is_not_a_mapping() -> None:
    assert problems(PLATFORM + "  - just-a-slug\n  -\n") == [
        (5, "org #2 must be a mapping of keys to values, not text"),
        (6, "org #3 is an empty item; fill it in or remove its `-`"),
    ]


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


# --- cross-entry problems ------------------------------------------------------------------


def test_duplicate_slugs_name_the_first() -> None:
    text = (
        PLATFORM
        + "  - {slug: nw, name: N, kind: partner}\n  - {slug: nw, name: M, kind: partner}\n"
    )
    assert only(text) == (6, "slug 'nw' is used by two orgs (first at line 5); rename one")


def test_duplicate_emails_are_case_insensitive() -> None:
    text = PLATFORM + (
        "users:\n"  # 5
        "  - {email: Ana@X.io, name: A, org: revampd}\n"  # 6
        "  - {email: bo@x.io, name: B, org: revampd}\n"  # 7
        "  - {email: ana@x.IO, name: A2, org: revampd}\n"  # 8
    )
    line, message = only(text)
    assert line == 8
    assert "e-mail 'ana@x.io' is listed twice (first at line 6)" in message


def test_no_platform_is_reported_at_the_orgs_line() -> None:
    line, message = only("# the directory\norgs:\n  - {slug: nw, name: N, kind: partner}\n")
    assert line == 2
    assert "no org has `kind: platform`" in message
    assert lines_of("orgs: []\n") == [1]


def test_each_extra_platform_is_reported() -> None:
    text = PLATFORM + (
        "  - {slug: b, name: B, kind: platform}\n"  # 5
        "  - {slug: c, name: C, kind: partner}\n"  # 6
        "  - slug: d\n"  # 7
        "    name: D\n"  # 8
        "    kind: platform\n"  # 9
    )
    found = problems(text)
    assert [line for line, _ in found] == [5, 9]
    assert "org 'b' is a second platform org (first at line 4)" in found[0][1]
    assert "org 'd'" in found[1][1]


def test_sub_org_needs_a_parent() -> None:
    text = PLATFORM + (
        "  - {slug: northwind, name: N, kind: partner}\n"  # 5
        "  - slug: contoso\n"  # 6
        "    name: Contoso\n"  # 7
        "    kind: sub_org\n"  # 8
    )
    assert only(text) == (
        6,
        "org 'contoso' is a sub_org, so it needs `parent:` naming a partner org "
        "(partners in this file: northwind)",
    )


def test_parent_must_name_a_partner_in_the_file() -> None:
    text = PLATFORM + (
        "  - {slug: northwind, name: N, kind: partner}\n"  # 5
        "  - {slug: fabrikam, name: F, kind: partner}\n"  # 6
        "  - {slug: a, name: A, kind: sub_org, parent: nortwind}\n"  # 7
        "  - {slug: b, name: B, kind: sub_org, parent: revampd}\n"  # 8
        "  - {slug: c, name: C, kind: sub_org, parent: a}\n"  # 9
        "  - {slug: d, name: D, kind: sub_org, parent: fabrikam}\n"  # 10 fine
    )
    found = problems(text)
    assert [line for line, _ in found] == [7, 8, 9]
    assert found[0][1] == (
        "org 'a': `parent: nortwind` names no org in this file; a sub_org's parent must be a "
        "partner org (partners in this file: northwind, fabrikam)"
    )
    assert "`parent: revampd` has `kind: platform`" in found[1][1]
    assert "`parent: a` has `kind: sub_org`" in found[2][1]


def test_parent_is_forbidden_for_other_kinds() -> None:
    text = PLATFORM + (
        "    parent: northwind\n"  # 5
        "  - {slug: northwind, name: N, kind: partner, parent: revampd}\n"  # 6
        "  - {slug: solo, name: S, kind: self_serve, parent: northwind}\n"  # 7
    )
    found = problems(text)
    assert [line for line, _ in found] == [5, 6, 7]
    assert found[1][1].startswith(
        "org 'northwind' has `kind: partner`, so it cannot have `parent:`"
    )


def test_no_partner_in_file_says_so() -> None:
    _, message = only(PLATFORM + "  - {slug: c, name: C, kind: sub_org}\n")
    assert "none yet, add one with `kind: partner`" in message


def test_user_org_must_exist() -> None:
    text = PLATFORM + "users:\n  - {email: a@x.io, name: A, org: revamp}\n"
    assert only(text) == (
        6,
        "user 'a@x.io': `org: revamp` names no org in this file (orgs: revampd)",
    )


def test_escalations_channel_only_on_the_platform() -> None:
    text = PLATFORM + (
        "    slack: {team: T0P, escalations_channel: C0ESC}\n"  # 5 fine
        "  - slug: nw\n"  # 6
        "    name: N\n"  # 7
        "    kind: partner\n"  # 8
        "    slack:\n"  # 9
        "      team: T0N\n"  # 10
        "      escalations_channel: C0NWESC\n"  # 11
    )
    line, message = only(text)
    assert line == 11
    assert "only the platform has an `escalations_channel`" in message


def test_channels_are_not_shared_between_orgs() -> None:
    text = PLATFORM + (
        "    slack: {team: T0P, ticket_channel: C0TIX, escalations_channel: C0TIX}\n"  # 5 fine
        "  - {slug: nw, name: N, kind: partner, slack: {team: T0N, ticket_channel: C0TIX}}\n"
    )
    line, message = only(text)
    assert line == 6
    assert "channel C0TIX is already used by org 'revampd' (first at line 5)" in message


def test_duplicate_slack_identity() -> None:
    text = PLATFORM + (
        "users:\n"  # 5
        "  - {email: a@x.io, name: A, org: revampd, slack: {team: T0P, user: U0A}}\n"  # 6
        "  - {email: b@x.io, name: B, org: revampd, slack: {team: T0Q, user: U0A}}\n"  # 7 fine
        "  - {email: c@x.io, name: C, org: revampd, slack: {team: T0P, user: U0A}}\n"  # 8
    )
    line, message = only(text)
    assert line == 8
    assert (
        "Slack user U0A in team T0P is already mapped to user 'a@x.io' (first at line 6)" in message
    )


def test_bad_field_does_not_cause_spurious_reference_problems() -> None:
    text = PLATFORM + (
        "  - {slug: nw, name: '', kind: partner}\n"  # 5: blank name only
        "  - {slug: c, name: C, kind: sub_org, parent: nw}\n"  # 6 fine
        "  - {slug: d, name: D, kind: sub_org, parent: e}\n"  # 7 fine: e's kind is the problem
        "  - {slug: e, name: E, kind: partnr}\n"  # 8
        "users:\n"
        "  - {email: a@x.io, name: 7, org: nw}\n"  # 10: name only
    )
    assert lines_of(text) == [5, 8, 10]


# --- many problems at once -----------------------------------------------------------------


def test_all_problems_are_reported_in_line_order() -> None:
    text = (
        "orgs:\n"  # 1
        "  - slug: revampd\n"  # 2
        "    name: Revampd\n"  # 3
        "    kind: platform\n"  # 4
        "    slack: {team: T0P, notify: sms}\n"  # 5
        "  - slug: Contoso\n"  # 6
        "    name: Contoso\n"  # 7
        "    kind: sub_org\n"  # 8
        "    parent: revampd\n"  # 9
        "users:\n"  # 10
        "  - {email: not-an-email, name: A, org: revampd}\n"  # 11
        "  - {email: b@x.io, name: B, org: nobody, extra: 1}\n"  # 12
        "teams: []\n"  # 13
    )
    with pytest.raises(DirectoryFileInvalid) as info:
        parse_directory(text)
    err = info.value
    assert [p.line for p in err.problems] == [5, 6, 9, 11, 12, 12, 13]
    assert str(err).splitlines() == [str(p) for p in err.problems]
    assert all(
        line.startswith(f"line {p.line}: ")
        for line, p in zip(str(err).splitlines(), err.problems, strict=True)
    )
    assert isinstance(err, ValidationError)
    assert err.code == "validation_error"


def test_problem_str() -> None:
    assert str(Problem(3, "bad")) == "line 3: bad"
    assert str(Problem(None, "bad")) == "bad"


def test_directory_built_in_code_obeys_the_file_rules() -> None:
    with pytest.raises(pydantic.ValidationError, match="no org has `kind: platform`"):
        DirectoryFile(orgs=[OrgEntry(slug="a", name="A", kind="partner")], users=[])
    with pytest.raises(pydantic.ValidationError):
        OrgEntry(slug="A", name="A", kind="partner")


# --- round trip property -------------------------------------------------------------------

_slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True)
_names = st.text(min_size=1, max_size=20).filter(str.strip)
_domains = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,4})?\.(com|example|io)", fullmatch=True)


def _ids(prefix: str) -> st.SearchStrategy[str]:
    return st.from_regex(rf"{prefix}[A-Z0-9]{{2,8}}", fullmatch=True)


@st.composite
def directories(draw: st.DrawFn) -> DirectoryFile:
    slugs = draw(st.lists(_slugs, min_size=1, max_size=6, unique=True))
    channels = iter(draw(st.lists(_ids("[CG]"), min_size=24, max_size=24, unique=True)))
    orgs: list[OrgEntry] = []
    for index, slug in enumerate(slugs):
        kind = (
            "platform"
            if index == 0
            else draw(st.sampled_from(["partner", "sub_org", "self_serve"]))
        )
        partners = [o.slug for o in orgs if o.kind == "partner"]
        if kind == "sub_org" and not partners:
            kind = "partner"
        slack = None
        if draw(st.booleans()):
            slack = OrgSlack(
                team=draw(_ids("T")),
                ticket_channel=next(channels) if draw(st.booleans()) else None,
                escalations_channel=next(channels)
                if kind == "platform" and draw(st.booleans())
                else None,
                notify=draw(st.sampled_from(["channel", "dm", "both"])),
            )
        orgs.append(
            OrgEntry(
                slug=slug,
                name=draw(_names),
                kind=kind,  # type: ignore[arg-type]
                parent=draw(st.sampled_from(partners)) if kind == "sub_org" else None,
                email_domains=draw(st.lists(_domains, max_size=3, unique=True)),
                slack=slack,
            )
        )
    locals_ = draw(
        st.lists(st.from_regex(r"[a-z0-9._+-]{1,10}", fullmatch=True), max_size=6, unique=True)
    )
    identities = draw(
        st.lists(st.tuples(_ids("T"), _ids("[UW]")), min_size=6, max_size=6, unique=True)
    )
    users = [
        UserEntry(
            email=f"{local}@{draw(_domains)}",
            name=draw(_names),
            org=draw(st.sampled_from(slugs)),
            roles=draw(
                st.lists(
                    st.sampled_from(["member", "support_rep", "admin"]), min_size=1, unique=True
                )
            ),
            slack=UserSlack(team=team, user=user) if draw(st.booleans()) else None,
        )
        for local, (team, user) in zip(locals_, identities, strict=False)
    ]
    return DirectoryFile(orgs=orgs, users=users)


@settings(max_examples=100, deadline=None)
@given(directories())
def test_round_trip_property(directory: DirectoryFile) -> None:
    rendered = render_directory(directory)
    assert parse_directory(rendered) == directory
    assert render_directory(parse_directory(rendered)) == rendered


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    """Any text either parses or is rejected with located problems, never another error."""
    try:
        parse_directory(text)
    except DirectoryFileInvalid as err:
        found = err.problems
    else:
        return
    assert found
    assert all(p.message for p in found)
