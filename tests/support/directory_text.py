"""Directory files as text for the directory-file tests: the SPEC §5 example, a valid platform
org to append lines to, and the problems a file has, by line.
"""

from __future__ import annotations

import pytest

from core.formats.directory_file import DirectoryFileInvalid, parse_directory

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
