"""`make bench`: every budget of the design measured in one run, printed as tables.

Knowledge base (evaluation, search over 100,000 listings on SQLite and PostgreSQL, import),
language detection, held-out NLU accuracy, `rasa train` from scratch, turn latency against a
bare Rasa bot, gateway overhead, the memory of each process, and the pass rates of the
multi-turn conversation sets (`benchmarks/conversations/`). Figures, not assertions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpline.paths import BOT_DIR, RASA_VENV, ROOT
from helpline.training import model_path, rasa_env, train


def _free_port() -> int:
    from helpline.supervisor import free_port

    return free_port()


def bench_nlu(model: Path) -> None:
    out = subprocess.run(
        [str(RASA_VENV / "bin" / "python"), str(BOT_DIR / "scripts" / "evaluate_nlu.py"),
         str(model), str(BOT_DIR / "tests" / "nlu_heldout")],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True, check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print("\nHeld-out NLU intent accuracy (budget >= 0.95 overall, >= 0.92 per language)")
    print(f"{'language':<10}{'examples':>10}{'accuracy':>10}")
    for lang, acc in sorted(report["per_language"].items()):
        print(f"{lang:<10}{report['counts'][lang]:>10}{acc:>10.3f}")
    print(f"{'overall':<10}{report['examples']:>10}{report['overall']:>10.3f}")
    safety = ("emergency", "report_trafficking", "report_violence")
    print("\nConfusion among safety intents (rows: true, columns: predicted)")
    print(f"{'':<20}" + "".join(f"{c[:12]:>14}" for c in (*safety, "other")))
    for true in safety:
        row = report["confusion"].get(true, {})
        other = sum(v for k, v in row.items() if k not in safety)
        print(f"{true:<20}" + "".join(f"{row.get(c, 0):>14}" for c in safety) + f"{other:>14}")


def bench_train() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        started = time.monotonic()
        subprocess.run(
            [str(RASA_VENV / "bin" / "rasa"), "train", "--config", str(BOT_DIR / "config.yml"),
             "--domain", str(BOT_DIR / "domain.yml"), "--data", str(BOT_DIR / "data"),
             "--out", tmp, "--force"],
            cwd=BOT_DIR, env=rasa_env(), check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = time.monotonic() - started
    print(f"\n`rasa train` from scratch: {seconds:.0f} s (budget <= 300 s)")


def bench_stack(model: Path) -> None:
    from helpline import bench_gateway, bench_turns
    from helpline.supervisor import temporary_stack

    with temporary_stack(model, "benchmark-secret-0123456789abcdef0123",
                         prefix="bench-stack-") as stack:
        settings = stack.settings
        time.sleep(2)
        bench_turns.main(settings.rasa_url, _free_port(), stack.pids())
        print("\nGateway overhead, one conversation at a time:")
        bench_gateway.main(settings.rasa_url, conversations=1, turns=10, rounds=3)
        print("\nGateway under load:")
        bench_gateway.main(settings.rasa_url)


def bench_conversations(model: Path) -> None:
    from benchmarks.conversations import runner

    runner.main([], model=model)


SECTIONS = ("knowledge", "language", "nlu", "train", "stack", "conversations")


def main(argv: list[str] | None = None) -> int:
    import argparse

    from helpline import bench_knowledge, bench_language

    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable); default: all")
    sections = set(parser.parse_args(argv).only or SECTIONS)
    model = model_path()
    if not model.exists():
        model = train()
    if "knowledge" in sections:
        print("== knowledge base ==")
        bench_knowledge.main([])
    if "language" in sections:
        print("\n== language detection ==")
        bench_language.main()
    if "nlu" in sections:
        print("\n== NLU ==")
        bench_nlu(model)
    if "train" in sections:
        bench_train()
    if "stack" in sections:
        print("\n== running stack ==")
        bench_stack(model)
    if "conversations" in sections:
        print("\n== conversations (development and exam sets) ==")
        bench_conversations(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
