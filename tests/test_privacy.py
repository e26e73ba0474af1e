"""Aggregates never single anyone out; anonymous records keep the day, not the time."""
from __future__ import annotations

import datetime as dt

from portal import clock
from portal.privacy import safe_total, suppress_small_counts


def test_counts_below_the_minimum_are_hidden_and_zero_stays_visible():
    shown = suppress_small_counts({"a": 12, "b": 7, "c": 2, "d": 3, "e": 0}, minimum=5)
    assert shown == {"a": 12, "b": 7, "c": None, "d": None, "e": 0}


def test_a_lone_hidden_count_takes_the_next_smallest_with_it():
    # with only "c" hidden, total minus the shown counts would give it away
    shown = suppress_small_counts({"a": 12, "b": 7, "c": 2}, minimum=5)
    assert shown == {"a": 12, "b": None, "c": None}
    total = safe_total({"a": 12, "b": 7, "c": 2}, minimum=5)
    assert total == 21
    assert total - sum(v for v in shown.values() if v is not None) == 9, "only the pair's sum is known"


def test_nothing_is_hidden_when_every_count_is_large_enough():
    assert suppress_small_counts({"a": 5, "b": 9}, minimum=5) == {"a": 5, "b": 9}


def test_a_small_total_is_hidden_too():
    assert safe_total({"a": 2, "b": 0}, minimum=5) is None
    assert suppress_small_counts({"a": 2, "b": 0}, minimum=5) == {"a": None, "b": 0}


def test_minimum_comes_from_the_configuration(app):
    app.config["MIN_CELL_SIZE"] = 10
    with app.app_context():
        assert suppress_small_counts({"a": 9, "b": 30, "c": 40}) == {"a": None, "b": None, "c": 40}


def test_anonymous_records_keep_a_date_without_a_time():
    today = clock.today()
    assert type(today) is dt.date


def test_suppression_boundary_sits_exactly_at_the_minimum():
    assert suppress_small_counts({"a": 5, "b": 4, "c": 9}, minimum=5) == {"a": None, "b": None, "c": 9}
    assert safe_total({"a": 3, "b": 2}, minimum=5) == 5
    assert safe_total({"a": 3, "b": 1}, minimum=5) is None


def test_the_minimum_cell_size_defaults_to_five(tmp_path):
    from portal.config import from_environment

    assert from_environment(str(tmp_path), {"PORTAL_SECRET_KEY": "x"})["MIN_CELL_SIZE"] == 5
