"""What every benchmark measures with: one percentile definition, one memory reading.

Every latency budget of `make bench` (p50, p95) is read with `percentile`, so two budgets are
never measured two ways.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (0 < q <= 100) by nearest rank: the smallest measured value with
    at least `q` % of the values at or below it. No interpolation, so it is always a sample
    that was measured; NaN when there are none."""
    if not values:
        return math.nan
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {q}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def rss_mb(pid: int, children: bool = True) -> float | None:
    """Resident memory of a process (and, with `children`, of its direct children) in MB, from
    Linux's /proc; None when the process is gone or /proc is not there."""
    pids = [pid]
    if children:
        listing = Path(f"/proc/{pid}/task/{pid}/children")
        with contextlib.suppress(OSError):
            pids += [int(p) for p in listing.read_text().split()]
    total, found = 0, False
    for p in pids:
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
                found = True
    return total / 1024 if found else None
