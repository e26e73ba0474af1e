"""What changed between two statements: funders, restrictions, partnerships and services that
were added, removed or changed, in a form that can be stored and then read in any language."""
from __future__ import annotations

from portal.choices import Choices
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.transparency import document
from portal.transparency.models import AMOUNT_DISPLAY, PARTNER_KINDS

# the parts of a record a change names, with the words a reader sees
FIELDS = Choices(
    ("name", _l("name")),
    ("funderType", _l("type of funder")),
    ("amount", _l("amount")),
    ("period", _l("dates")),
    ("programme", _l("programme")),
    ("description", _l("description")),
    ("clientData", _l("client information shared with the funder")),
    ("kind", _l("kind")),
    ("summary", _l("summary")),
    ("termsSay", _l("what the funder's terms say")),
    ("whatWeDo", _l("what we do about it")),
    ("basis", _l("why it exists")),
    ("purpose", _l("purpose")),
    ("shared", _l("what is shared")),
    ("safeguards", _l("how we keep clients safe")),
    ("eligibility", _l("who can get it")),
    ("requirements", _l("what it asks of you")),
    ("notRequired", _l("what it does not require")),
    ("fundedBy", _l("who pays for it")),
    ("limitedBy", _l("the restriction that limits it")),
    ("referrals", _l("where we refer people")),
)

# for each kind of record: field name in a change -> the document keys it covers
FUNDING_FIELDS = {
    "name": ("fundingOrganization",),
    "funderType": ("funderType",),
    "amount": ("amountAwarded", "amountBand", "currency"),
    "period": ("plannedDates",),
    "programme": ("grantProgramme",),
    "description": ("description",),
    "clientData": ("clientDataShared", "clientDataSharedDetail"),
}
RESTRICTION_FIELDS = {"kind": ("kind",), "summary": ("summary",), "termsSay": ("termsSay",),
                      "whatWeDo": ("whatWeDo",)}
PARTNERSHIP_FIELDS = {"name": ("name",), "kind": ("kind",), "basis": ("basis",),
                      "purpose": ("purpose",), "shared": ("shared", "sharedDetail"),
                      "safeguards": ("safeguards",)}
SERVICE_FIELDS = {"name": ("name",), "description": ("description",),
                  "eligibility": ("eligibility",), "requirements": ("requirements",),
                  "notRequired": ("notRequired", "notRequiredNote"), "fundedBy": ("fundedBy",),
                  "limitedBy": ("limitedBy",), "referrals": ("referrals",)}


def _changed_fields(old: dict, new: dict, fields: dict[str, tuple[str, ...]]) -> list[str]:
    """The names of the fields whose document keys differ."""
    changed = []
    for name, keys in fields.items():
        if any(_comparable(key, old.get(key)) != _comparable(key, new.get(key)) for key in keys):
            changed.append(name)
    return changed


def _comparable(key: str, value):
    """Lists whose order does not matter are compared as sets."""
    if key in ("fundedBy", "notRequired") and isinstance(value, list):
        return frozenset(value)
    return value


def _by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def _compare_lists(section: str, old: list[dict], new: list[dict], fields: dict,
                   name_of, details=lambda item: {}) -> list[dict]:
    """Added, removed and changed records of one kind, in the new statement's order."""
    before, after = _by_id(old), _by_id(new)
    found = []
    for item in new:
        if item["id"] not in before:
            found.append({"section": section, "action": "added", "name": name_of(item), **details(item)})
            continue
        changed = _changed_fields(before[item["id"]], item, fields)
        if changed:
            change = {"section": section, "action": "changed", "name": name_of(item),
                      "fields": changed, **details(item)}
            if name_of(before[item["id"]]) != name_of(item):
                change["was"] = name_of(before[item["id"]])
            found.append(change)
    for item in old:
        if item["id"] not in after:
            found.append({"section": section, "action": "removed", "name": name_of(item),
                          **details(item)})
    return found


def _restrictions(doc: dict) -> list[dict]:
    """Every restriction of a document, each with its funder's name."""
    return [{**restriction, "funder": document.funder_name(item)}
            for item in doc.get("funding", []) for restriction in item.get("restrictions", [])]


def compare(old: dict | None, new: dict) -> list[dict]:
    """What changed from the statement `old` to `new` (empty for the first statement)."""
    if old is None:
        return []
    changes: list[dict] = []
    if old.get("introduction") != new.get("introduction"):
        changes.append({"section": "introduction", "action": "changed"})
    if old.get("amountsShownAs") != new.get("amountsShownAs"):
        changes.append({"section": "amounts", "action": "changed", "name": new.get("amountsShownAs")})
    changes += _compare_lists("funding", old.get("funding", []), new.get("funding", []),
                              FUNDING_FIELDS, document.funder_name)
    changes += _compare_lists("restriction", _restrictions(old), _restrictions(new),
                              RESTRICTION_FIELDS, lambda r: r["summary"],
                              lambda r: {"funder": r["funder"]})
    changes += _compare_lists("partnership", old.get("partnerships", []),
                              new.get("partnerships", []), PARTNERSHIP_FIELDS,
                              lambda p: p["name"], lambda p: {"kind": p["kind"]})
    changes += _compare_lists("service", old.get("services", []), new.get("services", []),
                              SERVICE_FIELDS, lambda s: s["name"])
    return changes


def _fields(change: dict) -> str:
    return ", ".join(FIELDS.label(name) for name in change.get("fields", []))


def describe(change: dict) -> str:
    """One change as a sentence in the reader's language."""
    section, action = change.get("section"), change.get("action")
    name, fields = change.get("name", ""), _fields(change)
    funder, was = change.get("funder", ""), change.get("was")
    if section == "introduction":
        return _("The introduction was rewritten.")
    if section == "amounts":
        return _("Amounts are now shown as: %(mode)s", mode=AMOUNT_DISPLAY.label(name).lower())
    if section == "funding":
        if action == "added":
            return _("New funder: %(name)s", name=name)
        if action == "removed":
            return _("Funder no longer listed: %(name)s", name=name)
        if was:
            return _("%(was)s, now listed as %(name)s: changed %(fields)s", was=was, name=name,
                     fields=fields)
        return _("%(name)s: changed %(fields)s", name=name, fields=fields)
    if section == "restriction":
        if action == "added":
            return _("New restriction from %(funder)s: %(name)s", funder=funder, name=name)
        if action == "removed":
            return _("Restriction removed (%(funder)s): %(name)s", funder=funder, name=name)
        return _("Restriction from %(funder)s, changed %(fields)s: %(name)s", funder=funder,
                 fields=fields, name=name)
    if section == "partnership":
        if action == "added":
            return _("New partnership: %(name)s (%(kind)s)", name=name,
                     kind=PARTNER_KINDS.label(change.get("kind", "")))
        if action == "removed":
            return _("Partnership no longer listed: %(name)s", name=name)
        if was:
            return _("Partnership with %(was)s, now listed as %(name)s: changed %(fields)s",
                     was=was, name=name, fields=fields)
        return _("Partnership with %(name)s: changed %(fields)s", name=name, fields=fields)
    if section == "service":
        if action == "added":
            return _("New service: %(name)s", name=name)
        if action == "removed":
            return _("Service no longer listed: %(name)s", name=name)
        if was:
            return _("Service %(was)s, now called %(name)s: changed %(fields)s", was=was,
                     name=name, fields=fields)
        return _("Service %(name)s: changed %(fields)s", name=name, fields=fields)
    return _("Something else changed.")
