"""Seed rows for the benchmarks: a realistically sized directory and ticket history.

1 platform org, 10% partners, 75% sub-orgs, the rest self-serve, 3-7 users each; tickets
filed with a Pareto spread over the orgs, over two years, mostly closed but the newest tenth,
with Zipf-distributed made-up words (search probes remember a ticket's rarest words).
"""

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate, chain

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.models import Base, OrgKind
from core.rules.stages import CLOSED_STAGES, OPEN_STAGES

BATCH = 5000  # tickets per seeding transaction
TAGS = ["billing", "sso", "api", "export", "mobile", "webhook", "sla", "outage", "gdpr", "slack"]
SUBJECTS = ["Login", "Export", "Webhook", "Billing", "Dashboard", "SSO", "API", "Search"]
PROBLEMS = ["fails", "is slow", "times out", "shows wrong totals", "returns 500", "breaks"]
OPEN_WEIGHTS = dict(zip(OPEN_STAGES, [25, 30, 10, 20, 8, 7], strict=True))  # Q WIP APA ACR AD ID
CLOSED_WEIGHTS = dict(zip(CLOSED_STAGES, [80, 12, 8], strict=True))  # resolved canceled accepted
PLATFORM_ID = 1


@dataclass
class World:
    """Generates the seed rows, and remembers what the measurements need to know of them."""

    rng: random.Random
    parent: dict[int, int | None] = field(default_factory=dict)  # org id -> its partner
    users: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # by org
    reps: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # by org
    requester_cum: list[float] = field(default_factory=list)  # filing volume of orgs 2..n
    vocab: list[str] = field(default_factory=list)  # by Zipf rank: vocab[0] is the commonest
    vocab_cum: list[float] = field(default_factory=list)  # Zipf word frequencies
    involved: list[tuple[int, ...]] = field(default_factory=list)  # index = ticket id - 1
    probes: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, search words)

    def words(self, lo: int, hi: int) -> str:
        k = self.rng.randint(lo, hi)
        return " ".join(self.rng.choices(self.vocab, cum_weights=self.vocab_cum, k=k))

    def assigned_org(self, requester: int) -> int:
        return self.parent[requester] or PLATFORM_ID

    def viewer_of(self, ticket_id: int) -> int:
        return self.rng.choice(self.users[self.rng.choice(self.involved[ticket_id - 1])])

    def make_vocabulary(self, size: int = 1500) -> None:
        """Pronounceable made-up words (so no English stop words) in random Zipf rank order."""
        syllables = [c + v + e for c in "bdfgklmnprstvz" for v in "aeiou" for e in ("", "n", "r")]
        draws = (self.rng.choices(syllables, k=self.rng.randint(2, 3)) for _ in range(2 * size))
        self.vocab = self.rng.sample(sorted({"".join(word) for word in draws}), size)
        self.vocab_cum = list(accumulate(1 / rank for rank in range(1, size + 1)))

    def directory_rows(self, n_orgs: int) -> tuple[list[dict], list[dict]]:
        """1 platform, 10% partners, 75% sub-orgs, rest self-serve; 3-7 users each (see below)."""
        n_partners, n_subs = max(1, n_orgs // 10), n_orgs * 3 // 4
        kinds = [OrgKind.PLATFORM] + [OrgKind.PARTNER] * n_partners + [OrgKind.SUB_ORG] * n_subs
        kinds += [OrgKind.SELF_SERVE] * (n_orgs - len(kinds))
        orgs, users = [], []
        for org_id, kind in enumerate(kinds, start=1):
            parent = self.rng.randint(2, n_partners + 1) if kind == OrgKind.SUB_ORG else None
            team, self.parent[org_id] = f"T{(parent or org_id):05d}", parent
            orgs.append(
                {"id": org_id, "slug": f"org{org_id}", "name": f"Org {org_id}", "kind": kind}
                | {"parent_id": parent, "slack_team": team, "ticket_channel": f"C{org_id:05d}"}
                | {"escalations_channel": "C0ESC" if org_id == PLATFORM_ID else None}
                | {"notify": self.rng.choices(["channel", "dm", "both"], [7, 2, 1])[0]}
            )
            n_reps = {OrgKind.PLATFORM: 4, OrgKind.PARTNER: 2}.get(kind, 1)  # then admin, members
            for n in range(n_reps + 1 + self.rng.randint(1, 3)):
                uid, slack = len(users) + 1, n < n_reps or self.rng.random() < 0.8
                users.append(
                    {"id": uid, "email": f"u{uid}@org{org_id}.example", "name": f"User {uid}"}
                    | {"org_id": org_id, "is_support_rep": n < n_reps, "is_admin": n == n_reps}
                    | {"slack_team": team if slack else None}
                    | {"slack_user": f"U{uid:06d}" if slack else None}
                )
                self.users[org_id].append(uid)
                if n < n_reps:
                    self.reps[org_id].append(uid)
        self.requester_cum = list(accumulate(self.rng.paretovariate(1.2) for _ in kinds[1:]))
        return orgs, users

    def route(self, requester: int) -> tuple[int, int | None, list[int]]:
        """(assigned org, escalated-from org, involved orgs); 10% of partner tickets escalate."""
        assigned = self.assigned_org(requester)
        if assigned != PLATFORM_ID and self.rng.random() < 0.10:
            return PLATFORM_ID, assigned, [requester, assigned, PLATFORM_ID]
        return assigned, None, [requester, assigned]

    def ticket_rows(self, tid: int, n: int, start: datetime) -> dict[str, list[dict]]:
        """Every row of one ticket, by table (parents first); left-out columns take defaults."""
        rng = self.rng
        requester = rng.choices(range(2, len(self.parent) + 1), cum_weights=self.requester_cum)[0]
        assigned, escalated_from, involved = self.route(requester)
        self.involved.append(tuple(involved))
        created = start + timedelta(days=730 * tid / n, minutes=rng.randint(0, 600))
        closed = rng.random() < (0.95 if tid / n < 0.9 else 0.35)  # newest tenth: mostly open
        weights = CLOSED_WEIGHTS if closed else OPEN_WEIGHTS
        stage = rng.choices(list(weights), list(weights.values()))[0]
        author, owner = rng.choice(self.users[requester]), rng.choice(self.reps[assigned])
        title = f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} for {self.words(2, 3)}"
        description = self.words(15, 40)
        if rng.random() < 0.02:  # a search probe: one or two of its rarest words
            rare = sorted(set(description.split()), key=self.vocab.index)[-rng.randint(1, 2) :]
            self.probes.append((tid, " ".join(rare)))
        ticket = {"id": tid, "title": title, "description": description, "stage": stage}
        ticket |= {"severity": rng.choices(["low", "medium", "high", "blocker"], [3, 5, 2, 0.3])[0]}
        ticket |= {"owner_id": owner, "requester_org_id": requester, "assigned_org_id": assigned}
        ticket |= {"escalated_from_org_id": escalated_from, "source_channel": "slack"}
        ticket |= {"created_by_id": author, "modified_by_id": owner, "created_at": created}
        closed = None if stage in OPEN_STAGES else created + timedelta(days=3)
        ticket |= {"modified_at": created, "closed_at": closed}
        messages = [
            {"ticket_id": tid, "author_id": user, "author_org_id": org, "source_channel": "slack"}
            | {"body": self.words(8, 30), "is_internal": i == 1 and rng.random() < 0.05}
            | {"created_at": created + timedelta(minutes=5 + 60 * i)}
            for i, (user, org) in enumerate([(author, requester), (owner, assigned)])
        ][: rng.randint(1, 2)]
        audit = {"ticket_id": tid, "actor_id": author, "action": "created", "new_value": title}
        tags = rng.sample(TAGS, rng.randint(0, 3))
        involved_rows = [{"ticket_id": tid, "org_id": o, "added_at": created} for o in involved]
        return {
            "tickets": [ticket],
            "ticket_involved_orgs": involved_rows,
            "ticket_tags": [{"ticket_id": tid, "tag": tag} for tag in tags],
            "ticket_reporters": [{"ticket_id": tid, "user_id": author}],
            "messages": messages,
            "audit_entries": [audit | {"created_at": created}],
        }

    def ticket_batches(self, n: int) -> Iterator[dict[str, list[dict]]]:
        start = datetime.now(UTC) - timedelta(days=731)
        for first in range(1, n + 1, BATCH):
            batch = defaultdict(list)
            for tid in range(first, min(first + BATCH, n + 1)):
                for table, rows in self.ticket_rows(tid, n, start).items():
                    batch[table].extend(rows)
            yield batch


async def seed(engine: AsyncEngine, world: World, n_tickets: int, n_orgs: int) -> None:
    """Bulk-insert with Core executemany, BATCH tickets a transaction; VACUUM ANALYZE on PG."""
    world.make_vocabulary()
    orgs, users = world.directory_rows(n_orgs)
    directory = {"organizations": orgs, "users": users}
    for batch in chain([directory], world.ticket_batches(n_tickets)):
        async with engine.begin() as conn:
            for name, rows in batch.items():  # parents first
                if rows:
                    await conn.execute(insert(Base.metadata.tables[name]), rows)
    if engine.dialect.name == "postgresql":  # creates must get ids past the explicit ones
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT setval('tickets_id_seq', max(id)) FROM tickets"))
            # As autovacuum does on a live database: besides statistics, the visibility map
            # that lets index-only scans (a rep's open-ticket count) skip the table.
            await conn.execute(text("VACUUM ANALYZE"))
