"""The capacity benchmark's tables, printed from the figures of a recorded run
(`data/capacity_run.json`, written by `python -m benchmarks.capacity --json`), and the CPU
time it reads from Linux's /proc."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks import capacity

RUN = Path(__file__).parent / "data" / "capacity_run.json"


def test_the_tables_give_cpu_per_turn_the_ratio_and_the_replica_throughput(capsys) -> None:
    results = json.loads(RUN.read_text())
    capacity.report(results)
    out = capsys.readouterr().out
    helpline = sum(results["cpu"]["bots"]["helpline"]["cpu_ms"].values()) / 422
    bare = sum(results["cpu"]["bots"]["bare"]["cpu_ms"].values()) / 422
    assert results["cpu_ms_per_turn"]["ratio"] == pytest.approx(helpline / bare)
    assert f"ratio helpline / bare: {helpline / bare:.2f}" in out
    assert "OVER BUDGET" in out  # 2.10 > 1.3 in this run
    for label in ("1 set (Stack)", "1 set (ReplicaStack)", "2 sets (ReplicaStack)"):
        assert label in out
    peaks = results["saturation_peaks"]
    assert peaks["2 sets (ReplicaStack)"] == max(
        row["turns_per_s"] for row in results["replica_sets"]["2"]["rows"])
    assert "gateway adds p95" in out and "Redis per turn" in out


def test_a_replica_count_not_measured_says_why(capsys) -> None:
    results = json.loads(RUN.read_text())
    results["replica_sets"] = {"2": {"skipped": "the replica stack needs PostgreSQL"}}
    capacity.report(results)
    assert "not measured: the replica stack needs PostgreSQL" in capsys.readouterr().out


def test_cpu_time_of_this_process_is_read_from_proc() -> None:
    before = capacity.cpu_ms(os.getpid())
    sum(i * i for i in range(2_000_000))  # some CPU work
    after = capacity.cpu_ms(os.getpid())
    assert before is not None and after is not None and after > before
    assert capacity.cpu_ms(2**22 + 12345) is None  # no such process
