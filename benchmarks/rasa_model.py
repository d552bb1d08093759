"""The Rasa model's budgets: held-out intent accuracy (with the safety intents' confusion) and
the time of `rasa train` from scratch."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from devstack.training import rasa_env
from helpline.paths import BOT_DIR, RASA_VENV, ROOT

SAFETY_INTENTS = ("emergency", "report_trafficking", "report_violence")


def heldout_accuracy(model: Path) -> None:
    """Print the held-out NLU accuracy per language and the confusion among safety intents."""
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
    print("\nConfusion among safety intents (rows: true, columns: predicted)")
    print(f"{'':<20}" + "".join(f"{c[:12]:>14}" for c in (*SAFETY_INTENTS, "other")))
    for true in SAFETY_INTENTS:
        row = report["confusion"].get(true, {})
        other = sum(v for k, v in row.items() if k not in SAFETY_INTENTS)
        print(f"{true:<20}" + "".join(f"{row.get(c, 0):>14}" for c in SAFETY_INTENTS)
              + f"{other:>14}")


def training_time() -> None:
    """Print how long `rasa train` takes from scratch (into a throw-away directory)."""
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
