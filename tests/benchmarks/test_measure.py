"""The one percentile every latency budget of `make bench` is read with."""

from __future__ import annotations

import math
import os

import pytest

from benchmarks import gateway_overhead, knowledge_base, measure, turn_latency
from benchmarks.gateway_overhead import Sample
from benchmarks.measure import percentile, rss_mb


def test_nearest_rank_is_a_measured_value_with_q_percent_at_or_below_it() -> None:
    hundred = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    assert percentile(hundred, 95) == 95.0
    assert percentile(hundred, 50) == 50.0
    assert percentile(hundred, 100) == 100.0
    twenty = [float(v) for v in range(1, 21)]
    assert percentile(twenty, 95) == 19.0  # 19 of 20 (95 %) are at or below it
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 95))
    with pytest.raises(ValueError):
        percentile(twenty, 0)


def test_every_budget_reads_the_same_percentile() -> None:
    for module in (gateway_overhead, knowledge_base, turn_latency):
        assert module.percentile is measure.percentile, module.__name__
    sample = Sample(latencies=[v / 1000 for v in range(1, 21)], wall=1.0)
    summary = sample.summary()
    assert summary["p95_ms"] == pytest.approx(19.0)
    assert summary["p50_ms"] == pytest.approx(10.0)


def test_memory_of_this_process_is_read_and_a_gone_one_is_none() -> None:
    mine = rss_mb(os.getpid())
    assert mine is not None and mine > 1
    assert rss_mb(2**22 + 12345) is None
