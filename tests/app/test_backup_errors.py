"""What elearn backup and restore say when pg_dump or pg_restore fails: the first error line alone, since
the lines after it can quote rows (personal data)."""

from __future__ import annotations

import pytest

from elearn import backup as backups

PG_RESTORE_FAILURE = """pg_restore: while PROCESSING TOC:
pg_restore: from TOC entry 3412; 0 16390 TABLE DATA user elearn
pg_restore: error: COPY failed for table "user": ERROR:  duplicate key value violates unique constraint "user_pkey"
DETAIL:  Key (id)=(7) already exists.
CONTEXT:  COPY user, line 1: "7	Karin Lund	karin.lund@politi.example	..."
"""


def test_only_the_first_error_line_is_kept():
    assert backups.error_line(PG_RESTORE_FAILURE) == (
        'pg_restore: error: COPY failed for table "user": ERROR:  duplicate key value violates unique '
        'constraint "user_pkey"')
    assert backups.error_line("could not connect\n") == "could not connect"
    assert backups.error_line("") == ""


def test_a_failing_tool_is_reported_without_the_rows_it_quoted(tmp_path):
    tool = tmp_path / "pg_restore"
    tool.write_text(f"#!/bin/sh\ncat >&2 <<'END'\n{PG_RESTORE_FAILURE}END\nexit 1\n")
    tool.chmod(0o755)
    with pytest.raises(backups.BackupError) as error:
        backups._run([str(tool)], {}, "pg_restore (nothing was changed)")
    message = str(error.value)
    assert message.startswith("pg_restore (nothing was changed) failed: pg_restore: error: COPY failed")
    assert "Karin" not in message and "Key (id)" not in message
