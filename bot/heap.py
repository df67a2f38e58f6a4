"""The garbage collector's settings in the long-running processes: the one tuning a target
needs, applied once at start (`settle_heap`), never switched per request.

Measured with `bench.ack_bench` (2000 tickets, 500 `/ticket` commands per figure in batches
of 50, Threadline beside a bare Bolt app in one process), on the shared 2-core machine: with
Python's default collector, full (generation 2) collections ran during the batches and each
stopped the event loop for 260-450 ms, so the ack p99 of `/ticket list` was 3.3x the bare
app's on SQLite (307 vs 92 ms) and of `/ticket new` 2.8x: the target is 1.2x. Settled as
below, no full collection ran during the batches (figures in the commit that kept this).

A request allocates thousands of short-lived objects (ORM rows, Block Kit dicts); young
collections every 50,000 net allocations instead of 700 run far less often, and freezing
what lives as long as the process keeps full collections from walking it at all.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 20)


def settle_heap() -> None:
    """Once started: freeze what lives as long as the process, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
