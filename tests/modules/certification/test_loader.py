"""The certification block in paths.yaml: read into rules, and every mistake reported as file:line,
never a crash."""

from __future__ import annotations

import pytest

from elearn.content import read
from tests.conftest import edit

BLOCK = "    certification:\n"


def messages(root) -> list[str]:
    return [str(p) for p in read(root).problems]


def test_the_block_is_read_into_rules(content):
    path = next(p for p in read(content).catalogue.paths if p.slug == "key-officer")
    rules = path.certification
    assert (rules.validity_months, rules.workshops, rules.reminders_days, rules.directory) == (
        24, ("case-workshop",), (90, 30, 7), True)
    assert (rules.renewal.refreshers, rules.renewal.within_months) == (("second-steps",), 6)
    assert rules.renewal.grace_months == 12
    assert next(p for p in read(content).catalogue.paths if p.slug == "recruit").certification is None


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("validity_months: 24", "validity_months: soon", "paths.yaml:13: path key-officer: certification: 'validity_months' must be a whole number"),
    ("validity_months: 24", "validity_months: 0", "'validity_months' must be a whole number of months from 1 to 120"),
    ("validity_months: 24", "validity_months: true", "'validity_months' must be"),
    ("      validity_months: 24\n", "", "'validity_months' must be"),
    ("directory: true", "directory: yes please", "'directory' must be true or false"),
    ("directory: true", "directory: true\n      colour: red", "unknown setting 'colour'"),
    ("reminders_days: [90, 30, 7]", "reminders_days: [30, 30]", "'reminders_days' must list different whole numbers"),
    ("reminders_days: [90, 30, 7]", "reminders_days: 90", "'reminders_days' must list"),
    ("reminders_days: [90, 30, 7]", "reminders_days: [-1]", "'reminders_days' must list"),
    ("workshops: [case-workshop]", "workshops: case-workshop", "'workshops' must list workshop theme slugs"),
    ("workshops: [case-workshop]", "workshops: [ghost-workshop]", "paths.yaml:13: path key-officer: certification: unknown workshop 'ghost-workshop'"),
    ("refreshers: [second-steps]", "refreshers: [no-quiz]", "'no-quiz' is not the quiz of a module in this path"),
    ("refreshers: [second-steps]", "refreshers: [[nested]]", "'renewal.refreshers' must list quiz slugs"),
    ("within_months: 6", "within_months: half a year", "'renewal.within_months' must be"),
    ("within_months: 6", "within_months: 6\n        by: post", "unknown setting 'renewal.by'"),
    ("      renewal:\n        refreshers: [second-steps]\n        within_months: 6\n", "",
     "paths.yaml:13: path key-officer: certification: 'renewal' is required"),
    ("refreshers: [second-steps]", "refreshers: []", "'renewal.refreshers' must list at least one quiz"),
    ("within_months: 6", "within_months: 6\n        grace_months: -1", "'renewal.grace_months' must be"),
    ("      renewal:\n", "      renewal: []\n      old_renewal:\n", "'renewal' must hold"),
    (BLOCK, "    certification: 24\n    old_block:\n", "certification: must be a set of settings"),
])
def test_each_certification_mistake_is_reported_with_file_and_line(content, old, new, expected):
    edit(content / "paths.yaml", old, new)
    found = messages(content)
    assert any(expected in message for message in found), found


def test_a_refresher_quiz_without_refreshers_is_reported(content):
    edit(content / "quizzes/second-steps.yaml", "refresher: 2", "refresher: 0")
    assert any("quiz 'second-steps' has no refresher" in m for m in messages(content))
