"""Reading content/paths.yaml: the learning paths, their ordered modules and their certification."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import yaml

from elearn.modules.courses.catalogue import (
    AUDIENCES,
    LOCALES,
    CertificationRules,
    LearningPath,
    Renewal,
)
from elearn.modules.courses.sources import SLUG, Problem

PATH_KEYS = {"slug", "title", "description", "audience", "modules", "certification"}
CERTIFICATION_KEYS = {"validity_months", "workshops", "renewal", "reminders_days", "directory"}
RENEWAL_KEYS = {"refreshers", "within_months", "grace_months"}
MAX_MONTHS = 120


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def _line_after(text: str, start: int, needle: str) -> int:
    """The first line at or after start that holds needle (start when none does)."""
    for number, line in enumerate(text.splitlines()[start - 1:], start=start):
        if needle in line:
            return number
    return start


def _months(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_MONTHS


def _slugs(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and SLUG.match(v) for v in value)


def _renewal(raw, slug: str, report) -> Renewal:
    """The renewal rule; a certificate must never renew on the evidence it was first issued with,
    so at least one refresher is required."""
    if raw is None:
        report("'renewal' is required: list at least one quiz in 'renewal.refreshers'")
        return Renewal()
    if not isinstance(raw, dict):
        report("'renewal' must hold 'refreshers' and 'within_months'")
        return Renewal()
    for key in sorted(set(raw) - RENEWAL_KEYS, key=str):
        report(f"unknown setting 'renewal.{key}'")
    refreshers = raw.get("refreshers", [])
    if not _slugs(refreshers):
        report("'renewal.refreshers' must list quiz slugs")
        refreshers = []
    elif not refreshers:
        report("'renewal.refreshers' must list at least one quiz")
    within = raw.get("within_months", 6)
    if not _months(within):
        report(f"'renewal.within_months' must be a whole number of months from 1 to {MAX_MONTHS}")
        within = 6
    grace = raw.get("grace_months", 12)
    if not (isinstance(grace, int) and not isinstance(grace, bool) and 0 <= grace <= MAX_MONTHS):
        report(f"'renewal.grace_months' must be a whole number of months from 0 to {MAX_MONTHS}")
        grace = 12
    return Renewal(tuple(refreshers), within, grace)


def _certification(raw, slug: str, line: int, label: str,
                   problems: list[Problem]) -> CertificationRules | None:
    """The path's certification block checked; None (with problems) when it cannot be used."""
    count = len(problems)

    def report(message: str) -> None:
        problems.append(Problem(label, line, f"path {slug}: certification: {message}"))

    if not isinstance(raw, dict):
        report("must be a set of settings (validity_months, workshops, renewal, reminders_days, "
               "directory)")
        return None
    for key in sorted(set(raw) - CERTIFICATION_KEYS, key=str):
        report(f"unknown setting '{key}'")
    validity = raw.get("validity_months")
    if not _months(validity):
        report(f"'validity_months' must be a whole number of months from 1 to {MAX_MONTHS}")
    workshops = raw.get("workshops", [])
    if not _slugs(workshops):
        report("'workshops' must list workshop theme slugs")
    reminders = raw.get("reminders_days", [90, 30, 7])
    if not isinstance(reminders, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 366 for d in reminders) \
            or len(set(reminders)) != len(reminders):
        report("'reminders_days' must list different whole numbers of days from 1 to 366")
    directory = raw.get("directory", False)
    if not isinstance(directory, bool):
        report("'directory' must be true or false")
    renewal = _renewal(raw.get("renewal"), slug, report)
    if len(problems) > count:
        return None
    return CertificationRules(validity, tuple(workshops), renewal,
                              tuple(sorted(reminders, reverse=True)), directory, line)


def _path(entry, text: str, label: str, modules: set[str], problems: list[Problem]):
    if not isinstance(entry, dict) or not SLUG.match(str(entry.get("slug", ""))):
        problems.append(Problem(label, 1, "each path needs a slug (lower-case letters, digits, "
                                          "dashes)"))
        return None
    slug = entry["slug"]
    line = _line_of(text, f"slug: {slug}")
    for key in set(entry) - PATH_KEYS:
        problems.append(Problem(label, line, f"path {slug}: unknown setting '{key}'"))
    titles = entry.get("title")
    if not isinstance(titles, dict) or not all(isinstance(titles.get(loc), str) for loc in LOCALES):
        problems.append(Problem(label, line, f"path {slug}: 'title' needs da and en"))
        return None
    descriptions = entry.get("description") or {}
    audience = entry.get("audience") or []
    if not isinstance(audience, list) or any(a not in AUDIENCES for a in audience):
        problems.append(Problem(label, line, f"path {slug}: audience must be a list of: "
                                             f"{', '.join(AUDIENCES)}"))
    listed = entry.get("modules")
    if not isinstance(listed, list) or not listed:
        problems.append(Problem(label, line, f"path {slug}: 'modules' must list module slugs"))
        return None
    for module in listed:
        if module not in modules:
            problems.append(Problem(label, _line_of(text, str(module)),
                                    f"path {slug}: unknown module '{module}'"))
    certification = None
    if "certification" in entry:
        certification = _certification(entry["certification"], slug,
                                       _line_after(text, line, "certification:"), label, problems)
    return LearningPath(slug, MappingProxyType(dict(titles)),
                        MappingProxyType(dict(descriptions) if isinstance(descriptions, dict)
                                         else {}),
                        tuple(audience) if isinstance(audience, list) else (),
                        tuple(m for m in listed if m in modules), certification)


def load_paths(root: Path, modules: set[str], problems: list[Problem]) -> tuple[LearningPath, ...]:
    """The paths in root/paths.yaml, checked against the known modules."""
    file = root / "paths.yaml"
    label = f"{root.name}/paths.yaml"
    if not file.exists():
        problems.append(Problem(label, 1, "paths.yaml is missing"))
        return ()
    text = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        problems.append(Problem(label, line, f"not valid YAML: {getattr(error, 'problem', error)}"))
        return ()
    if not isinstance(data, dict) or data.get("schema") != 1 or not isinstance(data.get("paths"),
                                                                                list):
        problems.append(Problem(label, 1, "paths.yaml needs 'schema: 1' and a 'paths' list"))
        return ()
    paths, seen = [], set()
    for entry in data["paths"]:
        path = _path(entry, text, label, modules, problems)
        if path and path.slug in seen:
            problems.append(Problem(label, _line_of(text, path.slug),
                                    f"duplicate path slug '{path.slug}'"))
        elif path:
            seen.add(path.slug)
            paths.append(path)
    return tuple(paths)
