"""Directory-file problems across entries (SPEC §5): duplicates, the one platform, parents,
users' orgs, channels and Slack identities; many problems reported at once in line order.
"""

from __future__ import annotations

import pydantic
import pytest

from core.errors import ValidationError
from core.formats.directory_file import (
    DirectoryFile,
    DirectoryFileInvalid,
    OrgEntry,
    Problem,
    parse_directory,
)
from tests.support.directory_text import PLATFORM, lines_of, only, problems

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
