"""deploy/elearn.cron: the backup line's clean-up globs match the files `elearn backup` writes."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

from elearn.backup import default_path, partial_path

CRON = Path(__file__).resolve().parents[2] / "deploy" / "elearn.cron"


def _globs() -> dict[str, str]:
    """Each find on the backup line: its -name glob, keyed by its age test (-mtime/-mmin value)."""
    line = next(line for line in CRON.read_text().splitlines() if " backup --output " in line)
    return {age: glob for glob, age in re.findall(r"-name '([^']+)' (-m\w+ \+\d+) -delete", line)}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_cron_clean_up_matches_backups_and_left_over_partial_files(tmp_path, kind):
    target = default_path(tmp_path, kind)
    partial = partial_path(target).name
    globs = _globs()
    assert set(globs) == {"-mtime +14", "-mmin +120"}
    assert fnmatch(target.name, globs["-mtime +14"]) and not fnmatch(partial, globs["-mtime +14"])
    assert fnmatch(partial, globs["-mmin +120"]) and not fnmatch(target.name, globs["-mmin +120"])
