"""Turn latency through Rasa's REST channel: the full helpline vs a bare Rasa bot, one run.

The bare bot has the same NLU pipeline and data, but answers every intent with a fixed
response and has no action server, so the difference is what the actions and the knowledge
base add. Also reports the memory of each running process. Budget: p95 ratio <= 1.5.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks.measure import percentile, rss_mb
from devstack.supervisor import Child
from devstack.training import rasa_env
from helpline.paths import BOT_DIR, RASA_VENV

TURNS = [
    "hola", "estoy en México", "¿puedo ir al médico aunque no tenga papeles?",
    "mi hija puede ir a la escuela?", "mi patron no me paga", "donde esta mi consulado",
    "I'm in Colombia", "can my kids go to school?", "eu estou no Brasil",
    "posso ir ao hospital sem documentos?",
]


def bare_project(directory: Path) -> Path:
    """A Rasa project with the helpline's NLU but fixed responses and no custom actions."""
    domain = yaml.safe_load((BOT_DIR / "domain.yml").read_text())
    intents = domain["intents"]
    bare = {
        "version": "3.1",
        "intents": intents,
        "entities": domain["entities"],
        "slots": {k: v for k, v in domain["slots"].items()
                  if all(m.get("type") != "custom" for m in v.get("mappings", []))},
        "responses": {f"utter_{i}": [{"text": f"answer for {i}"}] for i in intents + ["menu"]},
    }
    rules = [{"rule": i, "steps": [{"intent": i}, {"action": f"utter_{i}"}]} for i in intents]
    rules.append({"rule": "fallback", "steps": [{"intent": "nlu_fallback"},
                                                {"action": "utter_menu"}]})
    (directory / "data").mkdir(parents=True, exist_ok=True)
    (directory / "domain.yml").write_text(yaml.safe_dump(bare, allow_unicode=True))
    (directory / "data" / "rules.yml").write_text(yaml.safe_dump({"version": "3.1",
                                                                  "rules": rules}))
    config = yaml.safe_load((BOT_DIR / "config.yml").read_text())
    config["policies"] = [{"name": "RulePolicy", "core_fallback_action_name": "utter_menu",
                           "core_fallback_threshold": 0.3}]
    (directory / "config.yml").write_text(yaml.safe_dump(config))
    model = directory / "models" / "bare.tar.gz"
    subprocess.run(
        [str(RASA_VENV / "bin" / "rasa"), "train", "--config", str(directory / "config.yml"),
         "--domain", str(directory / "domain.yml"), "--data", str(directory / "data"),
         str(BOT_DIR / "data" / "nlu"), "--out", str(model.parent), "--fixed-model-name", "bare"],
        cwd=directory, env=rasa_env(), check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return model


def _conversation(client: httpx.Client, samples: list[float]) -> None:
    """One conversation of `TURNS`, sent one turn after another; appends each latency (ms)."""
    sender = uuid.uuid4().hex
    for text in TURNS:
        started = time.perf_counter()
        response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        response.raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)


def measure(urls: dict[str, str], conversations: int) -> dict[str, list[float]]:
    """Latencies (ms) of every turn, per bot. The bots take turns conversation by conversation,
    so a burst of load from elsewhere on the machine falls on both alike; one unmeasured
    conversation each first warms caches."""
    samples: dict[str, list[float]] = {name: [] for name in urls}
    clients = {name: httpx.Client(base_url=url, timeout=60) for name, url in urls.items()}
    try:
        for client in clients.values():
            _conversation(client, [])
        for _ in range(conversations):
            for name, client in clients.items():
                _conversation(client, samples[name])
    finally:
        for client in clients.values():
            client.close()
    return samples


def start_bare(model: Path, port: int, logs: Path) -> Child:
    """Bare Rasa with the same kind of tracker store as the helpline (its own SQLite file), so
    the comparison isolates what the action server and the knowledge base add."""
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"tracker_store": {
        "type": "helpline_nlu.tracker_store.ErasingSQLTrackerStore", "dialect": "sqlite",
        "db": str(logs / "bare-tracker.db")}}))
    return serve_bare(model, endpoints, port, logs / "bare-rasa.log", 180)


def serve_bare(model: Path, endpoints: Path, port: int, log: Path,
               timeout: float) -> Child:
    """`rasa run` of the bare project on `port` with `endpoints`, once it answers."""
    child = Child("bare-rasa", [str(RASA_VENV / "bin" / "rasa"), "run", "--enable-api",
                                "--model", str(model), "--endpoints", str(endpoints),
                                "--interface", "127.0.0.1", "--port", str(port)],
                  f"http://127.0.0.1:{port}/status", rasa_env(), log)
    child.start()
    deadline = time.monotonic() + timeout
    while not child.healthy():
        if time.monotonic() > deadline or not child.alive():
            child.stop()
            raise RuntimeError(f"bare Rasa did not start; see {child.log}")
        time.sleep(0.5)
    return child


def main(full_rasa_url: str, bare_port: int, pids: dict[str, int], conversations: int = 40
         ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        model = bare_project(Path(tmp))
        bare = start_bare(model, bare_port, Path(tmp))
        try:
            samples = measure({"bare": f"http://127.0.0.1:{bare_port}",
                               "full": full_rasa_url}, conversations)
            bare_ms, full_ms = samples["bare"], samples["full"]
        finally:
            bare.stop()
    result: dict[str, Any] = {
        "turns": len(full_ms),
        "full_p50_ms": percentile(full_ms, 50), "full_p95_ms": percentile(full_ms, 95),
        "bare_p50_ms": percentile(bare_ms, 50), "bare_p95_ms": percentile(bare_ms, 95),
    }
    result["p95_ratio"] = result["full_p95_ms"] / result["bare_p95_ms"]
    result["rss_mb"] = {name: rss_mb(pid) for name, pid in pids.items()}
    print("\nTurn latency through the REST channel (sequential turns)")
    print(f"{'bot':<28}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'helpline (actions + KB)':<28}{result['full_p50_ms']:>10.1f}"
          f"{result['full_p95_ms']:>10.1f}")
    print(f"{'bare Rasa, no actions':<28}{result['bare_p50_ms']:>10.1f}"
          f"{result['bare_p95_ms']:>10.1f}")
    verdict = "ok" if result["p95_ratio"] <= 1.5 else "OVER BUDGET"
    print(f"p95 ratio {result['p95_ratio']:.2f} (budget <= 1.5: {verdict}); "
          f"p50 ratio {result['full_p50_ms'] / result['bare_p50_ms']:.2f}")
    budgets = {"rasa": 1536, "actions": 250, "gateway": 150}
    print(f"\n{'process':<12}{'RSS MB':>10}{'budget':>10}")
    for name, mb in result["rss_mb"].items():
        shown = "-" if mb is None else f"{mb:.0f}"
        print(f"{name:<12}{shown:>10}{budgets.get(name, 0):>10}")
    return result
