"""The domain core imports nothing of the rest of the project (nor Rasa): every `import` in
`knowledge/`, at any depth (inside functions too), and every module a full import loads."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "knowledge"
#: Packages the core must not know: the project's other parts and the conversation stack.
FORBIDDEN = {"actions", "benchmarks", "bot", "channels", "console", "helpline", "helpline_nlu",
             "rasa", "rasa_sdk", "scripts", "telegram", "tests", "twilio"}


def project_packages() -> set[str]:
    """Every top-level Python package or module of the repository except the core."""
    found = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    found |= {p.stem for p in ROOT.glob("*.py")}
    return found - {"knowledge"}


def imported_roots(source: str) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import in `source`, however deeply nested;
    `importlib.import_module("x")` and `__import__("x")` with a literal name count too."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "__import__"))):
            out.append((node.lineno, node.args[0].value.split(".")[0]))
    return out


def test_the_scanner_sees_imports_at_any_depth() -> None:
    source = ("import os\nfrom knowledge import db\n"
              "def f():\n    from helpline.settings import get_settings\n"
              "    import channels.core as c\n"
              "class A:\n    def g(self):\n        importlib.import_module('actions.kb')\n")
    assert imported_roots(source) == [(1, "os"), (2, "knowledge"), (4, "helpline"),
                                      (5, "channels"), (8, "actions")]


def test_no_module_of_the_core_imports_the_rest_of_the_project() -> None:
    forbidden = FORBIDDEN | project_packages()
    assert {"helpline", "actions", "channels"} <= forbidden
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 20 and CORE / "migrations" / "env.py" in files
    bad = [f"{path.relative_to(ROOT)}:{line}: imports {root}"
           for path in files
           for line, root in imported_roots(path.read_text(encoding="utf-8"))
           if root in forbidden]
    assert bad == [], "\n".join(bad)


@pytest.mark.process
def test_importing_every_core_module_loads_nothing_else_of_the_project() -> None:
    """A fresh interpreter imports every module of `knowledge`; none of the project's other
    packages (nor Rasa) ends up in `sys.modules`."""
    script = (
        "import importlib, json, pkgutil, sys\n"
        "import knowledge\n"
        "names = [m.name for m in pkgutil.walk_packages(knowledge.__path__, 'knowledge.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps({'modules': names, 'loaded': sorted({m.split('.')[0] "
        "for m in sys.modules})}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert {"knowledge.api", "knowledge.cli", "knowledge.setup"} <= set(report["modules"])
    leaked = set(report["loaded"]) & (FORBIDDEN | project_packages())
    assert leaked == set(), leaked
