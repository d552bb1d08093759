"""The gateway benchmark runs end to end against a Rasa stand-in and reports its figures."""

from __future__ import annotations

import pytest

from benchmarks.gateway_overhead import main
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp


@pytest.mark.process  # the benchmark starts the gateway as a process of its own
def test_bench_reports_both_paths_and_memory(capsys: pytest.CaptureFixture[str]) -> None:
    rasa = FakeRasa()
    with ServedApp(rasa.app()) as served:
        results = main(served.url, conversations=4, turns=3, rounds=1)
    # 2x2 warm-up turns per path, then 4x3 measured turns per path
    assert len(rasa.received) == 2 * (4 + 12)
    for mode in ("direct", "gateway"):
        assert results[mode]["turns"] == 12
        assert results[mode]["failures"] == 0
        assert results[mode]["p95_ms"] >= results[mode]["p50_ms"] > 0
    assert 10 < results["gateway_rss_peak_mb"] < 1000
    out = capsys.readouterr().out
    assert "gateway adds" in out and "gateway RSS" in out
