"""Choice lists: the stored values and their translated labels, declared once per list."""
from __future__ import annotations

from collections.abc import Iterator

from wtforms import SelectChoice

from portal.i18n import LazyString, current_language


class Choices:
    """An ordered list of (value, label) pairs; labels are lazy so they follow the reader's language."""

    def __init__(self, *pairs: tuple[str, LazyString | str]) -> None:
        self.pairs = tuple(pairs)
        self.values = tuple(value for value, _ in pairs)
        self._labels = dict(pairs)
        self._by_language: dict[str, dict[str, str]] = {}

    def __contains__(self, value: object) -> bool:
        return value in self._labels

    def __iter__(self) -> Iterator[tuple[str, LazyString | str]]:
        return iter(self.pairs)

    def label(self, value: str) -> str:
        """The label of a value in the reader's language (the value itself when unknown)."""
        label = self._labels.get(value)
        return str(label) if label is not None else value

    def labels(self) -> dict[str, str]:
        """Every value with its label in the reader's language, for a template (made once per
        language: the same dict is handed out again, so it must not be changed)."""
        language = current_language()
        found = self._by_language.get(language)
        if found is None:
            found = self._by_language[language] = {value: str(label) for value, label in self.pairs}
        return found

    def form_choices(self, blank: LazyString | str | None = None) -> list[SelectChoice]:
        """Choices for a WTForms field, with an optional first blank entry."""
        head = [SelectChoice("", blank)] if blank is not None else []
        return head + [SelectChoice(value, label) for value, label in self.pairs]
