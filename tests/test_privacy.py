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


# --- two-way tables and averages (survey cross-tabs) ---------------------------------------------

from portal.privacy import safe_average, suppress_table  # noqa: E402


def _table(cells, minimum=5):
    rows = sorted({r for r, _ in cells})
    cols = sorted({c for _, c in cells})
    row_totals = {r: sum(v for (a, _), v in cells.items() if a == r) for r in rows}
    col_totals = {c: sum(v for (_, b), v in cells.items() if b == c) for c in cols}
    return suppress_table(cells, row_totals, col_totals, sum(cells.values()), minimum)


def test_a_cell_of_3_is_hidden_with_a_complement_in_its_row_and_its_column():
    cells = {("a", "x"): 3, ("a", "y"): 9, ("a", "z"): 12,
             ("b", "x"): 8, ("b", "y"): 10, ("b", "z"): 20}
    table = _table(cells)
    assert table.cells[("a", "x")] is None
    # the row a: 3 hidden alone would be its total minus 9 and 12, so 9 (the smallest) goes too
    assert table.cells[("a", "y")] is None
    # the column x: likewise, 8 goes with the 3
    assert table.cells[("b", "x")] is None
    # and so on until no row or column has a lone hidden cell
    for row in ("a", "b"):
        assert sum(table.cells[(row, col)] is None for col in ("x", "y", "z")) != 1
    for col in ("x", "y", "z"):
        assert sum(table.cells[(row, col)] is None for row in ("a", "b")) != 1
    assert table.total == 62
    assert table.cells[("b", "z")] == 20


def test_a_small_row_total_is_hidden_with_another_total():
    cells = {("a", "x"): 2, ("a", "y"): 1, ("b", "x"): 10, ("b", "y"): 11, ("c", "x"): 7, ("c", "y"): 9}
    table = _table(cells)
    assert table.row_totals["a"] is None
    assert sum(value is None for value in table.row_totals.values()) >= 2


def test_a_table_whose_base_is_below_the_minimum_shows_nothing():
    assert _table({("a", "x"): 2, ("a", "y"): 1, ("b", "x"): 1}) is None


def test_a_table_without_small_counts_is_shown_whole():
    cells = {("a", "x"): 5, ("a", "y"): 6, ("b", "x"): 7, ("b", "y"): 8}
    table = _table(cells)
    assert table.cells == cells
    assert table.row_totals == {"a": 11, "b": 15} and table.col_totals == {"x": 12, "y": 14}


def test_an_average_is_hidden_when_it_could_give_a_small_count_away():
    # 2 and 3 hidden: with the total and the mean, two equations would recover them
    assert safe_average({1: 2, 2: 3, 5: 20}, minimum=5) is None
    assert safe_average({1: 2}, minimum=5) is None
    assert safe_average({3: 5, 4: 6, 5: 0}, minimum=5) == (15 + 24) / 11
