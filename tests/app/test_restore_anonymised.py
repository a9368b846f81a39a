"""A restore brings back the people anonymised since the backup was made: `elearn restore` says so and
how to find them in the application log."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import Role, User
from elearn.modules.privacy import anonymise as leavers


def test_the_restore_reminds_to_anonymise_again_those_anonymised_since(app, runner, make_user, tmp_path,
                                                                       caplog):
    admin = make_user(Role.ADMIN)
    leaver = make_user(name="Karin Lund", email="karin.lund@politi.example")
    result = runner.invoke(args=["backup", "--output", str(tmp_path)])
    path = Path(result.output.split("Backup written: ")[1].split(" (")[0])
    made = datetime(2026, 11, 27, 1, 0, tzinfo=UTC).timestamp()
    os.utime(path, (made, made))
    with caplog.at_level("INFO", logger="elearn.modules.privacy.anonymise"):
        leavers.anonymise(admin, leaver, "karin.lund@politi.example", utcnow())
    db.session.commit()
    leaver_id = leaver.id
    assert f"user anonymised id={leaver_id}" in caplog.text  # what the reminder tells to look for
    db.session.remove()

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert db.session.get(User, leaver_id).name == "Karin Lund"  # the anonymisation is undone
    assert "anonymised after this backup was made (about 2026-11-27 01:00 UTC)" in result.output
    assert "anonymise them again" in result.output
    assert "journalctl -u 'elearn@*' --since '2026-11-27 01:00 UTC'" in result.output
    assert "grep 'user anonymised id='" in result.output
