"""The README's layout table names every top-level folder of the repository, and only those."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from helpline.paths import ROOT

ROW = re.compile(r"^\| `([^`/]+)/` \| (.+) \|$")


def layout_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return {m[1]: m[2] for line in section.splitlines() if (m := ROW.match(line))}


def tracked_folders() -> set[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    return {path.split("/", 1)[0] for path in listed if "/" in path}


@pytest.mark.skipif(not (ROOT / ".git").exists() or not shutil.which("git"),
                    reason="not a git checkout")
def test_the_layout_table_matches_the_tree() -> None:
    assert set(layout_rows()) == tracked_folders()


def test_each_folder_is_said_in_one_sentence() -> None:
    for folder, job in layout_rows().items():
        sentences = [s for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", job) if s]
        assert len(sentences) == 1 and job.endswith("."), (folder, job)
