"""New passwords: at least 12 characters, and not easy to guess by a strength estimator that knows
common passwords, words, names, repeats, sequences, keyboard walks, dates and the person's own
names; a refused password says why, in the person's language."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import zxcvbn
from support.config import portal_config

from portal import create_app
from portal.security import STRENGTH_FEEDBACK, password_problems

GUESSABLE = ["abcabcabcabc", "password1234", "qwertyuiop123", "aaaaaaaaaaaaaaaa", "123456789012",
             "iloveyou2024!", "correcthorse", "Password123!"]
FINE = ["river lantern pebble", "kettle-meadow-orchard-42", "Velvet tram under 9 clocks"]


@pytest.fixture
def app_context(tmp_path):
    app = create_app(portal_config(tmp_path))
    with app.test_request_context("/"):
        yield app


@pytest.mark.parametrize("password", GUESSABLE)
def test_an_easily_guessed_password_is_refused_with_the_reason(app_context, password):
    problems = password_problems(password, "rosa")
    assert problems
    assert problems[0] == "This password would be easy to guess. Try a few unrelated words together."
    # zxcvbn's own explanation follows (a warning, or at least a suggestion)
    assert len(problems) >= 2


@pytest.mark.parametrize("password", FINE)
def test_a_long_unusual_phrase_is_accepted(app_context, password):
    assert password_problems(password, "rosa") == []


def test_the_length_rule_comes_first(app_context):
    assert password_problems("Xq7#vB2!", "rosa") == ["Use at least 12 characters."]
    assert password_problems("x" * 257, "rosa") == ["Use at most 256 characters."]


def test_the_persons_own_names_count_as_easy_to_guess(app_context):
    password = "quendrithvolmarsk"
    assert password_problems(password, "someone") == []
    assert password_problems(password, "someone", ["Quendrith Volmarsk"])
    assert password_problems("vorlanthemuir!!", "vorlanthemuir") == [
        "The password must not contain your user name."]


def test_the_reasons_are_given_in_spanish(tmp_path):
    app = create_app(portal_config(tmp_path))
    with app.test_request_context("/?lang=es"):
        app.preprocess_request()
        assert password_problems("corta", "rosa") == ["Usa al menos 12 caracteres."]
        problems = password_problems("abcabcabcabc", "rosa")
        assert problems[0].startswith("Esta contraseña sería fácil de adivinar.")
        assert any("repeticiones" in problem.lower() for problem in problems[1:]), problems


def test_every_message_the_estimator_can_give_is_in_the_catalogue():
    source = Path(zxcvbn.__file__).with_name("feedback.py").read_text()
    said = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_":
            said.add(ast.literal_eval(node.args[0]))
    assert said
    # each entry is a lazy string: the English text is its first argument
    assert said <= {message._args[0] for message in STRENGTH_FEEDBACK}


def test_the_bundled_common_password_list_is_gone():
    assert not (Path(__file__).resolve().parents[1] / "portal" / "data" / "common-passwords.txt").exists()
