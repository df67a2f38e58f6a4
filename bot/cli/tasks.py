"""What each `threadline` subcommand does, as async functions over one engine."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import processes as serving
from bot.cli import deliveries
from core import schema
from core.config import Settings
from core.db import create_engine, create_sessionmaker
from core.errors import ValidationError
from core.formats.directory_file import parse_directory
from core.formats.directory_render import render_directory
from core.rules.filters import parse_filters
from core.services import api_tokens
from core.services import directory as directory_service
from core.services.export import export_tickets, parse_format
from core.services.filters import resolve_filter

log = logging.getLogger("threadline")


async def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        if args.command == "db":
            await schema.upgrade(engine)
            print(f"database is at revision {schema.head_revision()}")
            return 0
        await ensure_schema(engine, settings)
        match args.command:
            case "serve":
                return await serving.serve(engine, settings, args)
            case "worker":
                return await serving.run_worker(engine, settings)
            case "deliveries":
                return await deliveries.run(engine, args)
            case "directory" if args.directory_command == "import":
                return await import_directory(engine, args.file)
            case "directory":
                return await export_directory(engine)
            case "tickets":
                return await export_ticket_file(engine, args)
            case "tokens":
                return await manage_tokens(engine, args)
        raise AssertionError(f"unhandled command {args.command}")
    finally:
        await engine.dispose()


async def ensure_schema(engine: AsyncEngine, settings: Settings) -> None:
    """Self-upgrade the embedded SQLite database; refuse to run a server database behind."""
    if settings.is_sqlite:
        await schema.upgrade(engine)
        return
    current = await schema.current_revision(engine)
    if current != schema.head_revision():
        raise ValidationError(
            f"The database schema is at revision {current or 'none'} but this version needs "
            f"{schema.head_revision()}. Run `{schema.UPGRADE_COMMAND}` first."
        )


def _read_input(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValidationError(f"Cannot read {file}: {err}") from None


async def import_directory(engine: AsyncEngine, file: str) -> int:
    text = await asyncio.to_thread(_read_input, file)
    directory = parse_directory(text)
    async with create_sessionmaker(engine)() as session, session.begin():
        report = await directory_service.import_directory(session, directory)
    print(report.summary())
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


async def export_directory(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        directory = await directory_service.export_directory(session)
    sys.stdout.write(render_directory(directory))
    return 0


async def export_ticket_file(engine: AsyncEngine, args: argparse.Namespace) -> int:
    given = {"org": args.org, "stage": args.stage, "since": args.since}
    spec = parse_filters({key: value for key, value in given.items() if value is not None})
    async with create_sessionmaker(engine)() as session:
        filters = await resolve_filter(session, spec, viewer=None)
        async for piece in export_tickets(
            session, viewer=None, format=parse_format(args.format), filters=filters
        ):
            sys.stdout.write(piece)
    return 0


async def manage_tokens(engine: AsyncEngine, args: argparse.Namespace) -> int:
    """`tokens create` prints the clear token once; only its SHA-256 digest is stored."""
    async with create_sessionmaker(engine)() as session, session.begin():
        if args.tokens_command == "create":
            issued = await api_tokens.create(session, email=args.user, name=args.name)
            print(issued.secret)
            print(
                f"token {issued.token.id} acts as {args.user.strip().lower()}; store it now, "
                "it is not shown again. Send it as `Authorization: Bearer <token>`.",
                file=sys.stderr,
            )
        elif args.id is not None:
            token = await api_tokens.revoke(session, token_id=args.id)
            print(f"revoked token {token.id}")
        else:
            count = await api_tokens.revoke_all(session, email=args.user)
            print(f"revoked {count} token(s) of {args.user.strip().lower()}")
    return 0
