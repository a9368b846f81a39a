"""Grading properties: every question scores within 0..1, the order options were shown in never
changes a score, and the same answers always grade the same."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from elearn.content import read
from elearn.modules.quizzes import answers, grading
from elearn.modules.quizzes.drawing import draw, option_token
from tests.conftest import FIXTURE_CONTENT

QUIZ = read(FIXTURE_CONTENT).quizzes.quiz("second-steps")
LEAVES = [leaf for q in QUIZ.questions for leaf in q.leaves]


def _answer(question, data):
    ids = [o.id for o in question.options]
    if question.type == "multiple":
        return frozenset(data.draw(st.sets(st.sampled_from(ids))))
    if question.type == "ordering":
        return tuple(data.draw(st.permutations(ids)))
    return data.draw(st.one_of(st.none(), st.sampled_from(ids), st.text(max_size=3)))


@given(st.data())
def test_every_score_is_between_0_and_1(data):
    for question in LEAVES:
        assert 0.0 <= grading.check(question, _answer(question, data)) <= 1.0


@given(st.data())
def test_scenarios_score_the_mean_of_their_parts(data):
    case = QUIZ.question("case")
    given_answers = {part.id: _answer(part, data) for part in case.parts}
    expected = sum(grading.check(p, given_answers[p.id]) for p in case.parts) / len(case.parts)
    assert grading.check(case, given_answers) == expected


def test_multiple_response_partial_credit_rule():
    signs = QUIZ.question("signs")
    assert grading.check(signs, frozenset({"repeated", "following"})) == 1.0
    assert grading.check(signs, frozenset({"repeated"})) == 0.5
    assert grading.check(signs, frozenset({"repeated", "greeting"})) == 0.0
    assert grading.check(signs, frozenset({"repeated", "following", "greeting"})) == 0.5
    assert grading.check(signs, frozenset()) == 0.0


@settings(max_examples=60)
@given(st.integers(min_value=-2**62, max_value=2**62), st.integers(min_value=-2**62, max_value=2**62),
       st.data())
def test_option_order_does_not_change_the_score(seed_a, seed_b, data):
    """The same chosen options, shown in two different orders with other tokens, grade the same."""
    for question in LEAVES:
        chosen = _answer(question, data)
        scores = []
        for seed in (seed_a, seed_b):
            order = [o.id for o in question.options]
            random.Random(seed).shuffle(order)
            row = SimpleNamespace(question_id=question.id, position=1, option_order=json.dumps(order))
            form = MultiDict(_form_for(question, chosen, order, seed))
            stored = answers.parse(form, seed, [row], QUIZ.index)[question.id]
            scores.append(grading.check(question, answers.decode(question, stored)))
        assert scores[0] == scores[1]
        assert scores[0] == grading.check(question, chosen if _valid(question, chosen) else None)


def _valid(question, chosen) -> bool:
    ids = {o.id for o in question.options}
    if isinstance(chosen, frozenset | tuple):
        return set(chosen) <= ids
    return chosen is None or chosen in ids


def _form_for(question, chosen, order, seed) -> dict:
    if question.type == "ordering":
        return {f"a1-{k}": str(chosen.index(i) + 1) for k, i in enumerate(order, start=1)}
    if question.type == "multiple":
        return {"a1": [option_token(seed, question.id, i) for i in sorted(chosen)]}
    if chosen in {o.id for o in question.options}:
        return {"a1": option_token(seed, question.id, chosen)}
    return {}


@given(st.integers(min_value=0, max_value=2**62))
def test_a_seed_always_draws_the_same_attempt(seed):
    assert draw(QUIZ, seed, QUIZ.draw, QUIZ.require_tags) == draw(QUIZ, seed, QUIZ.draw,
                                                                   QUIZ.require_tags)
    drawn = draw(QUIZ, seed, 3, ("law",))
    assert any("law" in QUIZ.question(d.parent_id or d.question_id).tags for d in drawn)
