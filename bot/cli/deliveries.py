"""`threadline deliveries list [--dead]` and `deliveries retry ID|--all-dead`."""

from __future__ import annotations

import argparse

from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import create_sessionmaker
from core.errors import ValidationError
from core.outbox import queue as delivery_queue
from core.outbox import status as delivery_status


async def run(engine: AsyncEngine, args: argparse.Namespace) -> int:
    sessions = create_sessionmaker(engine)
    if args.deliveries_command == "list":
        async with sessions() as session:
            rows = await delivery_queue.list_deliveries(
                session, dead_only=args.dead, limit=args.limit
            )
        print(f"{'id':>8}  {'status':8} {'kind':18} {'target':32} {'tries':>5}  next / error")
        for row in rows:
            target = row.slack_channel or row.slack_user or ""
            detail = row.last_error or row.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S")
            print(
                f"{row.id:>8}  {row.status:8} {row.kind:18} "
                f"{(row.slack_team or '') + ':' + target:32} {row.attempts:>5}  {detail}"
            )
        if not rows:
            print("no dead deliveries" if args.dead else "nothing waiting: every delivery was sent")
        return 0
    if args.all_dead == (args.id is not None):
        raise ValidationError("Give a delivery ID or --all-dead (one of the two).")
    async with sessions.begin() as session:
        count = await delivery_status.retry_dead(session, ids=None if args.all_dead else [args.id])
    if count == 0 and not args.all_dead:
        raise ValidationError(
            f"Delivery {args.id} is not dead; `threadline deliveries list --dead` shows those."
        )
    print(f"requeued {count} dead deliver{'y' if count == 1 else 'ies'}")
    return 0
