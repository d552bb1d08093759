"""Train a tiny NLU model in a scratch folder, for tests that need a real Rasa pipeline."""

from pathlib import Path

import pytest


def train_tiny_model(work: Path, config: str, nlu: str) -> str:
    """Write `config` and `nlu` into `work`, train there with its own cache, return the model."""
    from rasa.model_training import train_nlu

    (work / "config.yml").write_text(config, encoding="utf-8")
    (work / "nlu.yml").write_text(nlu, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("RASA_CACHE_DIRECTORY", str(work / "cache"))
    mp.chdir(work)
    try:
        model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"))
    finally:
        mp.undo()
    assert model is not None and Path(model).is_file()
    return model
