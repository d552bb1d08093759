"""Train the Rasa model only when its inputs changed: the model file is named by a fingerprint.

The fingerprint covers the config, domain, training data and the custom NLU components, so an
unchanged checkout reuses `bot/models/helpline-<fingerprint>.tar.gz` without retraining.
Run `python -m devstack.training` (what `make train` does).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from helpline.paths import BOT_DIR, MODELS_DIR, RASA_VENV, VAR_DIR

KEEP_MODELS = 3


def _inputs() -> list[Path]:
    files = [BOT_DIR / "config.yml", BOT_DIR / "domain.yml", BOT_DIR / "constraints.txt"]
    files += sorted((BOT_DIR / "data").rglob("*.yml"))
    components = (BOT_DIR / "helpline_nlu").rglob("*")
    files += sorted(p for p in components if p.suffix in {".py", ".yaml", ".yml", ".json"})
    return [f for f in files if f.is_file()]


def fingerprint() -> str:
    """A short hash of every file that shapes the trained model."""
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(str(path.relative_to(BOT_DIR)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(fp: str | None = None) -> Path:
    """Where the model for the current (or given) fingerprint lives."""
    return MODELS_DIR / f"helpline-{fp or fingerprint()}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Environment for Rasa subprocesses: no telemetry, quiet TensorFlow, deterministic hashing."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONHASHSEED="0",
    )
    return env


def train(force: bool = False) -> Path:
    """Return the path of an up-to-date model, training one if needed."""
    fp = fingerprint()
    target = model_path(fp)
    if target.exists() and not force:
        print(f"==> model up to date: {target.relative_to(BOT_DIR.parent)}")
        return target
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    print(f"==> training Rasa model {target.name} (data or config changed)", flush=True)
    started = time.monotonic()
    cmd = [
        str(RASA_VENV / "bin" / "rasa"), "train",
        "--config", str(BOT_DIR / "config.yml"),
        "--domain", str(BOT_DIR / "domain.yml"),
        "--data", str(BOT_DIR / "data"),
        "--out", str(MODELS_DIR),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        "--force",
    ]
    log = VAR_DIR / "logs" / "train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        result = subprocess.run(cmd, cwd=BOT_DIR, env=rasa_env(), stdout=out,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0 or not target.exists():
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-40:])
        raise SystemExit(f"{tail}\nrasa train failed (exit {result.returncode}); log: {log}")
    print(f"==> trained in {time.monotonic() - started:.0f} s", flush=True)
    old = sorted(MODELS_DIR.glob("helpline-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for stale in old[:-KEEP_MODELS]:
        stale.unlink()
    return target


def main() -> int:
    force = "--force" in sys.argv[1:]
    train(force=force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
