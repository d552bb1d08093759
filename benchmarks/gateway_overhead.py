"""Benchmark of the messaging gateway: N concurrent conversations sent through the gateway's
web-chat path and, in the same run, straight to Rasa's REST channel; prints throughput,
p50/p95 latency per turn, the gateway's added latency and its resident memory.

    python -m benchmarks.gateway_overhead http://127.0.0.1:5005 [--conversations 20] [--turns 5]

The gateway is started as its own uvicorn process (so its RSS is its own) on a free loopback
port, with a throw-away store; pass --gateway-url to measure one that is already running
(then its memory is not reported unless --gateway-pid is given).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.measure import percentile, rss_mb
from devstack.supervisor import free_port

SCRIPT = (
    "hola",
    "estoy en México",
    "¿puedo ir al médico aunque no tenga papeles?",
    "gracias",
    "hello",
    "I am in Colombia",
    "can my children go to school?",
    "thank you",
)


@dataclass
class Sample:
    """Latencies (seconds) and failures of one mode."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    wall: float = 0.0

    def summary(self) -> dict[str, float]:
        return {
            "turns": len(self.latencies),
            "failures": self.failures,
            "throughput": len(self.latencies) / self.wall if self.wall else 0.0,
            "p50_ms": percentile(self.latencies, 50) * 1000,
            "p95_ms": percentile(self.latencies, 95) * 1000,
        }


class RssSampler(threading.Thread):
    """Keeps the peak RSS of a process while the benchmark runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, rss_mb(self.pid, children=False) or 0.0)
            self._halt.wait(0.05)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak


def start_gateway(rasa_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the gateway under uvicorn on a free port; returns the process and its URL."""
    port = free_port()
    env = {
        **os.environ,
        "RASA_URL": rasa_url,
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
        # The gateway reads the hotline snapshot for its own danger answers; a throw-away path
        # keeps the benchmark off the developer's `var/` (no snapshot: the general advice).
        "HOTLINE_SNAPSHOT_PATH": str(workdir / "hotlines.json"),
        "SENDER_ID_SECRET": secrets.token_hex(32),
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000",
        "HELPLINE_ENV": "test",
        "TELEGRAM_BOT_TOKEN": "",
        "TWILIO_ACCOUNT_SID": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "channels.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        env=env, cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the gateway exited during start-up")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the gateway did not become healthy in 30 s")


async def _turn(client: httpx.AsyncClient, mode: str, url: str, sender: str, text: str,
                sample: Sample) -> None:
    start = time.perf_counter()
    try:
        if mode == "direct":
            response = await client.post(url + "/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text})
            ok = response.status_code == 200 and bool(response.json())
        else:
            response = await client.post(url + "/webchat/message",
                                         json={"session": sender, "message": text})
            ok = response.status_code == 200 and response.json().get("status") == "answered"
    except httpx.HTTPError:
        ok = False
    elapsed = time.perf_counter() - start
    if ok:
        sample.latencies.append(elapsed)
    else:
        sample.failures += 1


async def _conversation(client: httpx.AsyncClient, mode: str, url: str, sender: str,
                        turns: int, sample: Sample) -> None:
    for index in range(turns):
        await _turn(client, mode, url, sender, SCRIPT[index % len(SCRIPT)], sample)


async def run_round(mode: str, url: str, conversations: int, turns: int, tag: str,
                    sample: Sample) -> None:
    """One round: `conversations` concurrent conversations of `turns` turns each."""
    limits = httpx.Limits(max_connections=conversations, max_keepalive_connections=conversations)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(
            _conversation(client, mode, url, f"bench{tag}{mode[0]}{i:05d}", turns, sample)
            for i in range(conversations)
        ))
        sample.wall += time.perf_counter() - start


def main(rasa_url: str, conversations: int = 20, turns: int = 5, rounds: int = 5,
         gateway_url: str | None = None, gateway_pid: int | None = None) -> dict[str, Any]:
    """Run the benchmark, print a table and return the figures."""
    rasa_url = rasa_url.rstrip("/")
    process: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        if gateway_url is None:
            process, gateway_url = start_gateway(rasa_url, Path(tmp))
            gateway_pid = process.pid
        try:
            idle = rss_mb(gateway_pid, children=False) if gateway_pid else None
            sampler = RssSampler(gateway_pid) if gateway_pid else None
            if sampler:
                sampler.start()
            direct, through = Sample(), Sample()
            run_id = secrets.token_hex(3)
            # warm-up (not measured), then alternate so both modes see the same Rasa state
            asyncio.run(run_round("direct", rasa_url, 2, 2, run_id + "w", Sample()))
            asyncio.run(run_round("gateway", gateway_url, 2, 2, run_id + "w", Sample()))
            for number in range(rounds):
                tag = f"{run_id}r{number}"
                asyncio.run(run_round("direct", rasa_url, conversations, turns, tag, direct))
                asyncio.run(run_round("gateway", gateway_url, conversations, turns, tag, through))
            peak = sampler.stop() if sampler else None
        finally:
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
    results: dict[str, Any] = {
        "conversations": conversations, "turns": turns, "rounds": rounds,
        "direct": direct.summary(), "gateway": through.summary(),
        "gateway_rss_idle_mb": idle, "gateway_rss_peak_mb": peak,
    }
    results["added_p50_ms"] = results["gateway"]["p50_ms"] - results["direct"]["p50_ms"]
    results["added_p95_ms"] = results["gateway"]["p95_ms"] - results["direct"]["p95_ms"]
    _print(results)
    return results


def _print(r: dict[str, Any]) -> None:
    print(f"gateway benchmark: {r['conversations']} concurrent conversations x {r['turns']} "
          f"turns x {r['rounds']} rounds")
    print(f"{'path':<10}{'turns':>7}{'failed':>8}{'turns/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for mode in ("direct", "gateway"):
        s = r[mode]
        print(f"{mode:<10}{s['turns']:>7}{s['failures']:>8}{s['throughput']:>10.1f}"
              f"{s['p50_ms']:>10.1f}{s['p95_ms']:>10.1f}")
    print(f"gateway adds: p50 {r['added_p50_ms']:+.1f} ms, p95 {r['added_p95_ms']:+.1f} ms "
          f"(budget: p95 <= 10 ms)")
    if r["gateway_rss_idle_mb"] is not None:
        print(f"gateway RSS: idle {r['gateway_rss_idle_mb']:.0f} MB, "
              f"peak {r['gateway_rss_peak_mb']:.0f} MB (budget: 150 MB)")


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("rasa_url", nargs="?", default="http://127.0.0.1:5005")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gateway-url")
    parser.add_argument("--gateway-pid", type=int)
    args = parser.parse_args(argv)
    results = main(args.rasa_url, args.conversations, args.turns, args.rounds,
                   args.gateway_url, args.gateway_pid)
    failed = results["direct"]["failures"] + results["gateway"]["failures"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(cli())
