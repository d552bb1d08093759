"""Tests and the stacks they start never open the developer's `var/` stores, and the runtime
never imports the development stack or the benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from console.settings import ConsoleSettings
from devstack.supervisor import isolated_settings
from helpline.paths import ROOT, VAR_DIR
from helpline.settings import Settings
from tests.conftest import STORE_VARIABLES

RUNTIME_PACKAGES = ("helpline", "actions", "knowledge", "channels")


def file_of(value: object) -> Path:
    """The file a store setting names: a SQLite URL's database, or a path."""
    text = str(value)
    return Path(text.split("sqlite:///", 1)[1] if text.startswith("sqlite:///") else text)


def store_fields(settings_class: type[BaseSettings] = Settings) -> set[str]:
    """Every setting whose default is a file in `var/` (a database, the hotline snapshot)."""
    return {name for name, field in settings_class.model_fields.items()
            if str(VAR_DIR) in str(field.default)}


def test_every_store_of_the_settings_is_redirected_for_the_suite() -> None:
    fields = store_fields(Settings) | store_fields(ConsoleSettings)
    assert fields == set(STORE_VARIABLES), "a new store needs a temporary file in conftest"
    read = [Settings(_env_file=None), ConsoleSettings(_env_file=None)]  # type: ignore[call-arg]
    for settings in read:
        for name in store_fields(type(settings)):
            path = file_of(getattr(settings, name))
            assert VAR_DIR not in path.parents, (name, path)


def test_an_isolated_stack_keeps_every_store_in_its_directory(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path, "isolation-test-secret-0123456789abcdef")
    paths = {name: file_of(getattr(settings, name)) for name in store_fields()}
    assert all(path.parent == tmp_path for path in paths.values()), paths
    assert len(set(paths.values())) == len(paths), "each store has a file of its own"
    ports = {settings.rasa_port, settings.actions_port, settings.gateway_port}
    assert len(ports) == 3


@pytest.mark.process
def test_the_runtime_imports_neither_the_development_stack_nor_the_benchmarks() -> None:
    """Import every module of the runtime packages in a fresh interpreter."""
    script = f"""
import importlib, pkgutil, sys
for name in {RUNTIME_PACKAGES!r}:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("devstack", "benchmarks", "tests")))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_image_and_the_package_hold_only_the_runtime() -> None:
    dockerfile = (ROOT / "docker" / "app.Dockerfile").read_text()
    copied = {line.split()[1].rstrip("/") for line in dockerfile.splitlines()
              if line.startswith("COPY ")}
    assert not copied & {"devstack", "benchmarks", "tests", "."}, copied
    pyproject = (ROOT / "pyproject.toml").read_text()
    include = pyproject.split("[tool.setuptools.packages.find]", 1)[1].split("\n\n", 1)[0]
    assert "devstack" not in include and "benchmarks" not in include, include
