"""`threadline` command line: serve, database, directory and export commands (SPEC §5)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError as PydanticValidationError

from bot.cli import tasks as cli_tasks
from bot.logs import configure_logging
from core.config import Settings
from core.errors import ThreadlineError

log = logging.getLogger("threadline")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="threadline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP server (Slack, health, metrics)")
    serve.add_argument("--host", help="listen address (default: THREADLINE_HOST or 0.0.0.0)")
    serve.add_argument("--port", type=int, help="listen port (default: THREADLINE_PORT or 3000)")
    serve.add_argument(
        "--no-worker", action="store_true", help="do not run a delivery worker in this process"
    )

    commands.add_parser("worker", help="run a delivery worker only (several may share PostgreSQL)")

    deliveries = commands.add_parser("deliveries", help="inspect and replay Slack deliveries")
    delivery_commands = deliveries.add_subparsers(
        dest="deliveries_command", required=True, metavar="ACTION"
    )
    listing = delivery_commands.add_parser("list", help="deliveries not yet sent")
    listing.add_argument("--dead", action="store_true", help="only dead-lettered ones")
    listing.add_argument("--limit", type=int, default=100)
    retry = delivery_commands.add_parser("retry", help="requeue dead deliveries")
    retry.add_argument("id", nargs="?", type=int, help="the delivery id to retry")
    retry.add_argument("--all-dead", action="store_true", help="retry every dead delivery")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply all pending migrations")

    directory = commands.add_parser("directory", help="org/user/channel directory")
    dir_commands = directory.add_subparsers(
        dest="directory_command", required=True, metavar="ACTION"
    )
    dir_import = dir_commands.add_parser("import", help="import (upsert) a directory YAML file")
    dir_import.add_argument("file", help="path of the YAML file, or - for standard input")
    dir_commands.add_parser("export", help="print the directory as YAML")

    tickets = commands.add_parser("tickets", help="tickets")
    ticket_commands = tickets.add_subparsers(
        dest="tickets_command", required=True, metavar="ACTION"
    )
    export = ticket_commands.add_parser("export", help="stream tickets as CSV or JSON to stdout")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--org", help="only tickets requested by this org (slug)")
    export.add_argument("--stage", help="only tickets in this stage (name or short form)")
    export.add_argument("--since", help="only tickets created on or after YYYY-MM-DD")
    _add_token_commands(commands)
    return parser


def _add_token_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`tokens create|revoke`: personal tokens for the REST API at /api/v1."""
    tokens = commands.add_parser("tokens", help="API tokens for the REST API (/api/v1)")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="issue a token; it is printed only once")
    create.add_argument("--user", required=True, metavar="EMAIL", help="the user it acts as")
    create.add_argument("--name", help="a label, e.g. what uses the token")
    revoke = token_commands.add_parser("revoke", help="revoke one token, or all of a user's")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="the token id `tokens create` printed")
    which.add_argument("--user", metavar="EMAIL", help="revoke every token of this user")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except PydanticValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        print(f"error: invalid configuration ({problems})", file=sys.stderr)
        return 2
    configure_logging(json=settings.log_format == "json")
    try:
        return asyncio.run(cli_tasks.dispatch(args, settings))
    except ThreadlineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
