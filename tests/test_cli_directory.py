"""`threadline db upgrade` and `directory import|export` (SPEC §5), run as an operator runs them.

Every command gets `DATABASE_URL` in a scrubbed environment and a temporary working
directory. A directory file with mistakes writes nothing and names each one by line.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.support.cli_helpers import SPEC_DIRECTORY, run_cli_in_process
from tests.support.cli_runs import HEAD, Cli, revision_of, sqlite_url

# --- db upgrade and directory import / export ----------------------------------------------

# Valid changes (a renamed org, a new org, new users) mixed with five mistakes: none of it
# may be written. Line numbers are this text's.
INVALID_DIRECTORY = """\
orgs:
  - slug: revampd
    name: Revampd Support Renamed
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
    parent: northwnd
    slack: {team: T0NORTH, ticket_channel: C0CONTIX, notify: dm}
  - slug: fabrikam
    name: Fabrikam
    kind: sub_org
    parent: northwind
    slack: {team: T0NORTH, ticket_channel: C0NWTIX, notify: sometimes}
users:
  - {email: ana@revampd.example, name: Ana, org: revampd, roles: [support_rep], slack: {team: T0PLAT, user: U0ANA}}
  - {email: not-an-email, name: Bo, org: northwind}
  - {email: cy@contoso.example, name: Cy, org: globex}
"""  # noqa: E501

INVALID_DIRECTORY_PROBLEMS = [
    "line 14: org 'contoso': `parent: northwnd` names no org in this file",
    "line 20: org 'fabrikam': `slack.notify` cannot be 'sometimes'",
    "line 20: org 'fabrikam': channel C0NWTIX is already used by org 'northwind' (first at "
    "line 10)",
    "line 23: user 'not-an-email': `email` 'not-an-email' is not an e-mail address",
    "line 24: user 'cy@contoso.example': `org: globex` names no org in this file",
]

# Well-formed, but a second platform next to the database's `revampd`.
CONFLICTING_DIRECTORY = """\
orgs:
  - slug: helpdesk
    name: Another Platform
    kind: platform
users:
  - {email: zed@helpdesk.example, name: Zed, org: helpdesk}
"""

# An update: revampd renamed, one new user; written in the export's own layout.
UPDATED_DIRECTORY = SPEC_DIRECTORY.replace("Revampd Support", "Revampd Helpdesk") + (
    "  - {email: bo@northwind.example, name: Bo, org: northwind, roles: [support_rep]}\n"
)


def test_db_upgrade_and_directory_import_export(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "cli.db")
    cli = Cli(url, tmp_path)

    upgraded = cli("db", "upgrade")
    assert (upgraded.returncode, upgraded.stdout) == (0, f"database is at revision {HEAD}\n")
    assert asyncio.run(revision_of(url)) == HEAD

    spec_file = cli.write("directory.yaml", SPEC_DIRECTORY)
    first = cli("directory", "import", spec_file)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "orgs: 3 created, 0 updated; users: 1 created, 0 updated\n"
    again = cli.inline("directory", "import", spec_file)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "orgs: 0 created, 0 updated; users: 0 created, 0 updated\n"

    before = cli("directory", "export")
    assert before.returncode == 0, before.stderr
    assert before.stdout == SPEC_DIRECTORY  # SPEC's own example comes back byte for byte

    invalid = cli("directory", "import", cli.write("invalid.yaml", INVALID_DIRECTORY))
    assert invalid.returncode == 2
    assert invalid.stdout == ""
    problems = [
        line.removeprefix("error: ")
        for line in invalid.stderr.splitlines()
        if re.match(r"(error: )?line \d+: ", line)
    ]
    assert len(problems) == len(INVALID_DIRECTORY_PROBLEMS), invalid.stderr
    for expected, line in zip(INVALID_DIRECTORY_PROBLEMS, problems, strict=True):
        assert line.startswith(expected), invalid.stderr

    conflict = cli.inline("directory", "import", cli.write("conflict.yaml", CONFLICTING_DIRECTORY))
    assert conflict.returncode == 2
    assert "already has platform org 'revampd'" in conflict.stderr
    assert "Use slug 'revampd' for the platform" in conflict.stderr

    missing = cli.inline("directory", "import", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr
    assert "nowhere.yaml" in missing.stderr

    after = cli.inline("directory", "export")
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout  # nothing of the rejected files was written

    updated = cli("directory", "import", "-", stdin=UPDATED_DIRECTORY)
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout == "orgs: 0 created, 1 updated; users: 1 created, 0 updated\n"
    exported = cli.inline("directory", "export")
    assert exported.stdout == UPDATED_DIRECTORY

    # Round trip: the export, imported into a new database, exports to the very same text.
    copy = Cli(sqlite_url(tmp_path / "copy.db"), tmp_path)
    imported = copy.inline("directory", "import", cli.write("exported.yaml", exported.stdout))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "orgs: 3 created, 0 updated; users: 2 created, 0 updated\n"
    assert copy.inline("directory", "export").stdout == exported.stdout


def test_directory_export_of_an_empty_database_says_what_to_do(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "empty.db")
    result = run_cli_in_process(["directory", "export"], database_url=url, cwd=tmp_path)
    assert result.returncode == 2
    assert "directory is empty" in result.stderr
    assert "threadline directory import FILE" in result.stderr
    assert result.stdout == ""
