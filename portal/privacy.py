"""Privacy rules shared by every area: small-cell suppression (the day, not the time, comes from
portal.clock)."""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from flask import current_app


def min_cell_size() -> int:
    """The smallest count that may be shown (PORTAL_MIN_CELL_SIZE, default 5)."""
    try:
        return int(current_app.config.get("MIN_CELL_SIZE", 5))
    except RuntimeError:
        return 5


def suppress_small_counts(counts: Mapping[str, int], minimum: int | None = None) -> dict[str, int | None]:
    """Hide counts below the minimum (None), and one more when a lone hidden count could be
    recovered by subtracting the shown counts from the total."""
    minimum = min_cell_size() if minimum is None else minimum
    shown: dict[str, int | None] = {
        key: (value if value == 0 or value >= minimum else None) for key, value in counts.items()
    }
    hidden = [key for key, value in shown.items() if value is None]
    if len(hidden) == 1:
        # complementary suppression: hide the next smallest non-zero cell too
        candidates = sorted(
            (value, key) for key, value in shown.items() if value not in (None, 0)
        )
        # with no other non-zero cell the total equals the hidden count and safe_total hides it
        if candidates:
            shown[candidates[0][1]] = None
    return shown


def safe_total(counts: Mapping[str, int], minimum: int | None = None) -> int | None:
    """A total that is shown only when it reaches the minimum cell size."""
    minimum = min_cell_size() if minimum is None else minimum
    total = sum(counts.values())
    return total if total >= minimum else None


def is_safe_base(count: int | None, minimum: int | None = None) -> bool:
    """True when a group is large enough to show anything about it (a filter, a cross-tab)."""
    minimum = min_cell_size() if minimum is None else minimum
    return count is not None and count >= minimum


def safe_average(distribution: Mapping[int, int], minimum: int | None = None) -> float | None:
    """The mean of a distribution {value: count}, or None when it could give a hidden count away.

    With the total and the mean known, two hidden counts are two unknowns in two equations, so
    the mean is shown only when no count of the distribution is hidden and the total is safe.
    """
    minimum = min_cell_size() if minimum is None else minimum
    total = sum(distribution.values())
    if total < minimum or any(0 < count < minimum for count in distribution.values()):
        return None
    return sum(value * count for value, count in distribution.items()) / total


@dataclass
class SafeTable:
    """A cross-tabulation with every count that could single someone out replaced by None."""

    cells: dict[tuple[Hashable, Hashable], int | None]
    row_totals: dict[Hashable, int | None]
    col_totals: dict[Hashable, int | None]
    total: int


def suppress_table(cells: Mapping[tuple[Hashable, Hashable], int], row_totals: Mapping[Hashable, int],
                   col_totals: Mapping[Hashable, int], total: int,
                   minimum: int | None = None) -> SafeTable | None:
    """Hide small counts of a two-way table and enough others that none can be worked out.

    None when the whole table's base is below the minimum. Every row (its cells and its total),
    every column, and the row and column totals against the grand total are treated as sums: a
    sum with exactly one hidden part would give it away, so the smallest shown non-zero part is
    hidden with it, round after round until no sum has a lone hidden part.
    """
    minimum = min_cell_size() if minimum is None else minimum
    if total < minimum:
        return None
    rows, cols = list(row_totals), list(col_totals)

    def primary(value: int) -> int | None:
        return value if value == 0 or value >= minimum else None

    shown_cells = {key: primary(cells.get(key, 0)) for key in ((r, c) for r in rows for c in cols)}
    shown_rows = {r: primary(row_totals[r]) for r in rows}
    shown_cols = {c: primary(col_totals[c]) for c in cols}
    # each sum: the parts (a place to read and write) and its total's place
    sums = [[(shown_cells, (r, c)) for c in cols] + [(shown_rows, r)] for r in rows]
    sums += [[(shown_cells, (r, c)) for r in rows] + [(shown_cols, c)] for c in cols]
    sums += [[(shown_rows, r) for r in rows], [(shown_cols, c) for c in cols]]
    actual = {id(shown_cells): {k: cells.get(k, 0) for k in shown_cells},
              id(shown_rows): dict(row_totals), id(shown_cols): dict(col_totals)}
    changed = True
    while changed:
        changed = False
        for parts in sums:
            hidden = [(where, key) for where, key in parts if where[key] is None]
            if len(hidden) != 1:
                continue
            candidates = sorted((actual[id(where)][key], n, where, key)
                                for n, (where, key) in enumerate(parts) if where[key] not in (None, 0))
            if candidates:
                _, _, where, key = candidates[0]
                where[key] = None
                changed = True
    return SafeTable(shown_cells, shown_rows, shown_cols, total)
