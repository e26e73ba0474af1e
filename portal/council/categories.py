"""The self-identified categories a member may fill in, each with "prefer not to say".

A member chooses one answer per category, or none; the diversity overview counts them.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.choices import Choices
from portal.i18n import LazyString
from portal.i18n import lazy_gettext as _l

PREFER_NOT = "prefer_not"


@dataclass(frozen=True)
class Category:
    """One category: its key, its question and its answers."""

    key: str
    label: LazyString
    choices: Choices


def _with_prefer_not(*pairs: tuple[str, LazyString]) -> Choices:
    return Choices(*pairs, (PREFER_NOT, _l("Prefer not to say")))


CATEGORIES = (
    Category("lived", _l("Lived experience of trafficking"), _with_prefer_not(
        ("labour", _l("Labour trafficking")),
        ("sex", _l("Sex trafficking")),
        ("both", _l("Both labour and sex trafficking")),
        ("none", _l("No personal experience of trafficking")),
    )),
    Category("sex_trade", _l("Experience in the sex trades"), _with_prefer_not(
        ("consensual", _l("By choice")),
        ("coerced", _l("Through force, fraud or coercion")),
        ("both", _l("Both by choice and through coercion")),
        ("none", _l("No experience in the sex trades")),
    )),
    Category("race", _l("Race or ethnicity"), _with_prefer_not(
        ("black", _l("Black or African descent")),
        ("latine", _l("Latina, Latino, Latine or Hispanic")),
        ("indigenous", _l("Indigenous")),
        ("asian", _l("Asian")),
        ("mena", _l("Middle Eastern or North African")),
        ("pacific", _l("Pacific Islander")),
        ("white", _l("White")),
        ("multiple", _l("More than one")),
        ("other", _l("Another race or ethnicity")),
    )),
    Category("gender", _l("Gender"), _with_prefer_not(
        ("woman", _l("Woman")),
        ("man", _l("Man")),
        ("nonbinary", _l("Non-binary")),
        ("trans_woman", _l("Trans woman")),
        ("trans_man", _l("Trans man")),
        ("two_spirit", _l("Two-spirit")),
        ("other", _l("Another gender")),
    )),
    Category("immigration", _l("Immigration experience"), _with_prefer_not(
        ("citizen_born", _l("Born a citizen of this country")),
        ("immigrated", _l("Immigrated here")),
        ("undocumented", _l("Lived here without papers")),
        ("survivor_visa", _l("Status through a survivor visa or similar")),
    )),
    Category("disability", _l("Disability"), _with_prefer_not(
        ("yes", _l("Disabled or living with a disability")),
        ("no", _l("Not disabled")),
    )),
    Category("age", _l("Age band"), _with_prefer_not(
        ("18_24", _l("18 to 24")),
        ("25_34", _l("25 to 34")),
        ("35_44", _l("35 to 44")),
        ("45_54", _l("45 to 54")),
        ("55_64", _l("55 to 64")),
        ("65_up", _l("65 or older")),
    )),
)
BY_KEY = {category.key: category for category in CATEGORIES}
# the fields a member writes in their own words
TEXT_FIELDS = Choices(
    ("pronouns", _l("Pronouns")),
    ("languages", _l("Languages")),
    ("about", _l("About me, in my own words")),
)
TEXT_LIMITS = {"pronouns": 60, "languages": 200, "about": 3000}


def category_field(key: str) -> str:
    """The profile field name of a category."""
    return f"cat:{key}"


def parse_wanted(text: str) -> list[tuple[str, str]]:
    """The (category, value) pairs of the organisation's "wanted" setting, unknown ones dropped."""
    pairs = []
    for line in (text or "").splitlines():
        key, _, value = line.strip().partition(":")
        category = BY_KEY.get(key.strip())
        if category is not None and value.strip() in category.choices and value.strip() != PREFER_NOT:
            pairs.append((key.strip(), value.strip()))
    return pairs
