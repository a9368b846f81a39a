"""Reading content/quizzes/<slug>.yaml: every quiz checked (with file:line problems) and rendered once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml
from markupsafe import Markup

from elearn.markdown import render_markdown
from elearn.modules.courses.catalogue import LOCALES, Catalogue
from elearn.modules.courses.sources import SLUG, Problem
from elearn.modules.quizzes.definitions import (
    Localized,
    Option,
    Question,
    Quiz,
    QuizBank,
    ReviewPolicy,
)
from elearn.modules.quizzes.grading import QUESTION_TYPES

QUIZ_KEYS = {"schema", "slug", "module", "version", "title", "pass_mark", "draw", "require_tags",
             "max_attempts", "cooldown_minutes", "time_limit_minutes", "review", "per_page",
             "refresher", "questions"}
QUESTION_KEYS = {"id", "type", "text", "options", "steps", "answer", "feedback", "explanation",
                 "section", "tags", "vignette", "questions"}
OPTION_KEYS = {"id", "text", "correct", "feedback"}
VERSION = re.compile(r"^\d+\.\d+$")
BLOCK = re.compile(r"<(p|ul|ol|table|h[1-6]|blockquote|pre|div|hr)\b")


class _Map(dict):
    line = 1


class _LineLoader(yaml.SafeLoader):
    """Safe YAML whose mappings remember the line they start on, for file:line messages."""


def _mapping(loader, node, deep=False):
    mapping = _Map(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@lru_cache(maxsize=4096)
def _render(text: str, inline: bool) -> Markup:
    html = str(render_markdown(text)).strip()
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)  # noqa: S704  (sanitised by render_markdown; only its <p> is cut)  # nosec B704


class _Reader:
    """Builds one quiz from its YAML, collecting problems instead of stopping at the first."""

    def __init__(self, label: str, catalogue: Catalogue, problems: list[Problem]):
        self.label, self.catalogue, self.problems = label, catalogue, problems
        self.ids: set[str] = set()
        self.module = None

    def problem(self, node, message: str) -> None:
        self.problems.append(Problem(self.label, getattr(node, "line", 1), message))

    def text(self, node, key: str, owner, inline: bool = False, required: bool = True):
        value = owner.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, Mapping) or not all(isinstance(value.get(x), str) and value[x].strip()
                                                     for x in LOCALES):
            missing = [x for x in LOCALES if not (isinstance(value, Mapping)
                                                  and isinstance(value.get(x), str))]
            self.problem(node, f"'{key}' needs a text in each language "
                               f"(missing: {', '.join(missing) or 'text'})")
            fallback = next((value[x] for x in LOCALES if isinstance(value, Mapping)
                             and isinstance(value.get(x), str)), "?")
            value = {x: fallback for x in LOCALES}
        rendered = Localized(*(_render(value[x], inline) for x in LOCALES))
        if inline and any(BLOCK.search(rendered(x)) for x in LOCALES):
            self.problem(node, f"'{key}' must be a single paragraph (put a longer case text in a "
                               "scenario's vignette)")
        return rendered

    def unknown_keys(self, node: Mapping, allowed: set[str], what: str) -> None:
        for key in sorted(set(map(str, node)) - allowed):
            self.problem(node, f"{what}: unknown setting '{key}'")

    def question(self, node, in_scenario: bool = False) -> Question | None:
        if not isinstance(node, Mapping):
            self.problem(node, "each question must be a mapping with id, type and text")
            return None
        qid, kind = str(node.get("id", "")), node.get("type")
        what = f"question '{qid}'"
        if not SLUG.match(qid):
            self.problem(node, "each question needs an 'id' (lower-case letters, digits, dashes)")
        elif qid in self.ids:
            self.problem(node, f"question id '{qid}' is used twice")
        self.ids.add(qid)
        if not isinstance(kind, str) or kind not in QUESTION_TYPES:
            self.problem(node, f"{what}: unknown type '{kind}' (use one of "
                               f"{', '.join(QUESTION_TYPES)})")
            return None
        self.unknown_keys(node, QUESTION_KEYS, what)
        messages = QUESTION_TYPES[kind].validate(node)
        for message in messages:
            self.problem(node, f"{what}: {message}")
        if kind == "scenario" and in_scenario:
            return None
        section = node.get("section")
        if section is not None and self.module and str(section) not in self.module.section_ids:
            self.problem(node, f"{what}: section '{section}' is not a section of module "
                               f"'{self.module.slug}'")
        tags = node.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.problem(node, f"{what}: 'tags' must be a list of words")
            tags = []
        return Question(
            id=qid, type=kind, text=self.text(node, "text", node, inline=True),
            options=() if messages else self.options(node, kind),
            explanation=self.text(node, "explanation", node, required=False),
            section=str(section) if section is not None else None, tags=tuple(tags),
            vignette=self.text(node, "vignette", node, required=False) if kind == "scenario" else None,
            parts=self.parts(node) if kind == "scenario" and not messages else ())

    def parts(self, node) -> tuple[Question, ...]:
        parts = (self.question(part, in_scenario=True) for part in node["questions"])
        return tuple(part for part in parts if part is not None)

    def options(self, node, kind: str) -> tuple[Option, ...]:
        if kind == "true-false":
            feedback = node.get("feedback") or {}
            return tuple(Option(value, None, node["answer"] is (value == "true"),
                                self.text(node, key, feedback, required=False)
                                if isinstance(feedback, Mapping) else None)
                         for value, key in (("true", True), ("false", False)))
        if kind == "scenario":
            return ()
        result = []
        for option in node["steps" if kind == "ordering" else "options"]:
            self.unknown_keys(option, OPTION_KEYS, f"option '{option.get('id')}'")
            if not isinstance(option.get("id"), str) or not SLUG.match(option["id"]):
                self.problem(option, f"option '{option.get('id')}': an 'id' is lower-case letters, digits "
                                     "and dashes (quote words YAML reads as true or false, such as \"yes\")")
            if "correct" in option and not isinstance(option["correct"], bool):
                self.problem(option, f"option '{option['id']}': 'correct' must be true or false")
            result.append(Option(str(option["id"]), self.text(option, "text", option, inline=True),
                                 option.get("correct") is True,
                                 self.text(option, "feedback", option, required=False)))
        return tuple(result)

    def number(self, data: Mapping, key: str, low: int, high: int, default=None):
        """A whole number setting; None only where the setting may be left out (default None)."""
        if key not in data or (data[key] is None and default is None):
            return default
        value = data[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(data, f"'{key}' must be a whole number from {low} to {high}")
            return default
        return value

    def quiz(self, data, slug: str) -> Quiz | None:
        if not isinstance(data, Mapping) or data.get("schema") != 1:
            self.problem(data, "a quiz file needs 'schema: 1' at the top")
            return None
        self.unknown_keys(data, QUIZ_KEYS, "quiz")
        if data.get("slug") != slug:
            self.problem(data, f"'slug' must be '{slug}', the file's name")
        self.module = self.catalogue.module(str(data.get("module")))
        if self.module is None:
            self.problem(data, f"unknown module '{data.get('module')}'")
        elif self.module.quiz != slug:
            self.problem(data, f"module '{self.module.slug}' must name this quiz in its 'quiz' "
                               f"setting (it says '{self.module.quiz}')")
        if not isinstance(data.get("version"), str) or not VERSION.match(data["version"]):
            self.problem(data, '\'version\' must be "MAJOR.MINOR" in quotes, e.g. "1.0"')
        review = data.get("review", ReviewPolicy.AFTER_PASSING.value)
        if not isinstance(review, str) or review not in {policy.value for policy in ReviewPolicy}:
            self.problem(data, f"'review' must be one of {', '.join(p.value for p in ReviewPolicy)}")
            review = ReviewPolicy.NEVER.value
        raw = data.get("questions")
        if not isinstance(raw, list) or not raw:
            self.problem(data, "'questions' must list the question pool")
            raw = []
        questions = tuple(q for q in (self.question(node) for node in raw) if q is not None)
        return self.settings(data, slug, questions, ReviewPolicy(review))

    def settings(self, data: Mapping, slug: str, questions: tuple[Question, ...],
                 review: ReviewPolicy) -> Quiz:
        draw = self.number(data, "draw", 1, 500, default=len(questions)) or 1
        if draw > len(questions):
            self.problem(data, f"'draw' is {draw} but the pool has only {len(questions)} "
                               "question(s)")
        tags = data.get("require_tags") or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            self.problem(data, "'require_tags' must be a list of tags")
            tags = []
        pool_tags = {tag for question in questions for tag in question.tags}
        for tag in tags:
            if tag not in pool_tags:
                self.problem(data, f"required tag '{tag}' is on no question in the pool")
        if len(tags) > draw:
            self.problem(data, f"{len(tags)} required tags cannot all be met by {draw} questions")
        index = {leaf.id: leaf for q in questions for leaf in (q, *q.parts)}
        return Quiz(
            slug=slug, module=str(data.get("module")), version=str(data.get("version")),
            title=self.text(data, "title", data, inline=True),
            pass_mark=self.number(data, "pass_mark", 1, 100, default=80),
            draw=min(draw, len(questions)), questions=questions, review=review,
            require_tags=tuple(tags), max_attempts=self.number(data, "max_attempts", 1, 100),
            cooldown_minutes=self.number(data, "cooldown_minutes", 0, 60 * 24 * 90, default=0),
            time_limit_minutes=self.number(data, "time_limit_minutes", 1, 24 * 60),
            per_page=self.number(data, "per_page", 1, 50, default=5),
            refresher=min(self.number(data, "refresher", 0, 100, default=0), len(questions)),
            index=MappingProxyType(index))


def _read_yaml(path: Path, label: str, problems: list[Problem]):
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506  (a SafeLoader)  # nosec B506
    except UnicodeDecodeError:
        problems.append(Problem(label, 1, "the file is not UTF-8 text"))
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        problems.append(Problem(label, line, f"not valid YAML: {getattr(error, 'problem', error)}"))
    return None


def _read_quiz(data, label: str, slug: str, catalogue: Catalogue, problems: list[Problem]) -> Quiz | None:
    if data is None:
        problems.append(Problem(label, 1, "the file is empty"))
        return None
    try:
        return _Reader(label, catalogue, problems).quiz(data, slug)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        # A shape no check above foresaw: report it like any other problem, never crash start-up.
        problems.append(Problem(label, getattr(data, "line", 1), f"cannot be read: {error!r}"))
        return None


def load_quizzes(root: Path, catalogue: Catalogue, problems: list[Problem]) -> QuizBank:
    """Every quiz in root/quizzes, checked against the catalogue; problems are appended, never raised."""
    quizzes = {}
    for path in sorted((root / "quizzes").glob("*.yaml")):
        label = f"{root.name}/quizzes/{path.name}"
        slug = path.stem
        if not SLUG.match(slug):
            problems.append(Problem(label, 1, "a quiz file is named <slug>.yaml (lower-case letters, "
                                              "digits, dashes)"))
            continue
        data = _read_yaml(path, label, problems)
        quiz = _read_quiz(data, label, slug, catalogue, problems)
        if quiz is not None:
            quizzes[slug] = quiz
    return QuizBank(MappingProxyType(quizzes))
