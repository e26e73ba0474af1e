"""Privacy rules shared by every area: small-cell suppression (the day, not the time, comes from
portal.clock)."""
from __future__ import annotations

from collections.abc import Mapping

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
