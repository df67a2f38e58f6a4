"""Directory files that parse (SPEC §5): the SPEC's example, defaults, rendering back to the
same text, and a round-trip property over generated directories.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.formats.directory_file import (
    DirectoryFile,
    DirectoryFileInvalid,
    OrgEntry,
    OrgSlack,
    UserEntry,
    UserSlack,
    parse_directory,
)
from core.formats.directory_render import render_directory
from tests.support.directory_text import PLATFORM, SPEC_EXAMPLE

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
