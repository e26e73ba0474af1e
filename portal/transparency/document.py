"""The transparency statement as a JSON document, in the shape of schema/statement-v1.json.

The funding part uses the 360Giving Data Standard's field names where the standard has one
(fundingOrganization, recipientOrganization, title, description, currency, amountAwarded,
plannedDates, grantProgramme, dateModified); funder type, amount bands, restrictions, client data
sharing, partnerships and services are this portal's extensions. A published statement stores
this document once and serves it unchanged for ever.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path

from portal.transparency.models import (
    BAND_LIMITS,
    BANDS,
    PARTNER_KINDS,
    FundingSource,
    Partnership,
    Restriction,
    Service,
    ServiceFunding,
)

SCHEMA_VERSION = "1.0"
SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "statement-v1.json"


@cache
def schema_text() -> str:
    """The shipped JSON Schema of version 1 of the document."""
    return SCHEMA_FILE.read_text(encoding="utf-8")


def band_for(amount: int) -> str:
    """The band an exact amount falls in."""
    for code, _, low, high in BANDS:
        if amount >= low and (high is None or amount <= high):
            return code
    return BANDS[0][0]


def _band(code: str) -> dict:
    """A band as the document writes it."""
    low, high = BAND_LIMITS[code]
    return {"code": code, "minimum": low, "maximum": high}


def _optional(item: dict, **values) -> dict:
    """Add only the values that are not empty (the document leaves empty fields out)."""
    item.update({key: value for key, value in values.items() if value not in ("", None, [], {})})
    return item


def funding_item(source: FundingSource, restrictions: list[Restriction], organisation: str,
                 amounts_shown: str) -> dict:
    """One funding source in 360Giving's names plus the restriction extensions."""
    item: dict = {
        "id": source.public_id,
        "title": source.programme or source.funder_name,
        "fundingOrganization": [{"name": source.funder_name}],
        "recipientOrganization": [{"name": organisation}],
        "funderType": source.funder_type,
        "currency": source.currency,
    }
    _optional(item, description=source.description)
    if source.amount is not None and amounts_shown == "exact":
        item["amountAwarded"] = source.amount
    elif source.amount is not None:
        item["amountBand"] = _band(band_for(source.amount))
    elif source.amount_band in BAND_LIMITS:
        item["amountBand"] = _band(source.amount_band)
    dates = _optional({}, startDate=source.starts_on.isoformat() if source.starts_on else None,
                      endDate=source.ends_on.isoformat() if source.ends_on else None)
    _optional(item, plannedDates=[dates] if dates else None,
              grantProgramme=[{"title": source.programme}] if source.programme else None)
    item["dateModified"] = source.updated_at.date().isoformat()
    item["clientDataShared"] = source.client_data
    _optional(item, clientDataSharedDetail=source.client_data_detail)
    item["restrictions"] = [
        {"id": r.public_id, "kind": r.kind, "summary": r.summary, "termsSay": r.terms_say,
         "whatWeDo": r.we_do}
        for r in restrictions]
    return item


def _sort_amount(source: FundingSource) -> int:
    """Largest funders first: the exact amount, or the bottom of the band."""
    if source.amount is not None:
        return source.amount
    return BAND_LIMITS.get(source.amount_band, (0, 0))[0]


def build(introduction: str, introduction_es: str, amounts_shown: str, organisation: str,
          statement_id: str, number: int | None = None, published_on: dt.date | None = None,
          previous: int | None = None) -> dict:
    """The statement document from the records as they stand now."""
    sources = sorted(FundingSource.select(),
                     key=lambda s: (-_sort_amount(s), s.funder_name.casefold(), s.id))
    restrictions: dict[int, list[Restriction]] = {}
    for restriction in Restriction.select().order_by(Restriction.id):
        restrictions.setdefault(restriction.funding_source_id, []).append(restriction)
    funded_by: dict[int, list[str]] = {}
    public_ids = {source.id: source.public_id for source in sources}
    for link in ServiceFunding.select().order_by(ServiceFunding.id):
        funded_by.setdefault(link.service_id, []).append(public_ids[link.funding_source_id])
    restriction_ids = {r.id: r.public_id for group in restrictions.values() for r in group}
    kind_order = {code: n for n, code in enumerate(PARTNER_KINDS.values)}
    partnerships = sorted(Partnership.select(),
                          key=lambda p: (kind_order.get(p.kind, 99), p.name.casefold(), p.id))
    services = sorted(Service.select(), key=lambda s: (s.name.casefold(), s.id))
    return {
        "schemaVersion": SCHEMA_VERSION,
        "statement": _optional({"id": statement_id}, number=number,
                               publishedOn=published_on.isoformat() if published_on else None,
                               previousNumber=previous),
        "organisation": {"name": organisation},
        "introduction": _optional({"markdown": introduction}, markdownEs=introduction_es),
        "amountsShownAs": amounts_shown,
        "funding": [funding_item(source, restrictions.get(source.id, []), organisation,
                                 amounts_shown) for source in sources],
        "partnerships": [
            _optional({"id": p.public_id, "name": p.name, "kind": p.kind, "basis": p.basis,
                       "purpose": p.purpose, "shared": p.shared, "safeguards": p.safeguards},
                      sharedDetail=p.shared_detail)
            for p in partnerships],
        "services": [
            _optional({"id": s.public_id, "name": s.name, "eligibility": s.eligibility,
                       "notRequired": s.not_required_list,
                       "fundedBy": funded_by.get(s.id, []),
                       "limitedBy": restriction_ids.get(s.limited_by_id)},
                      description=s.description, requirements=s.requirements,
                      notRequiredNote=s.not_required_note, referrals=s.referrals)
            for s in services],
    }


def empty(organisation: str) -> dict:
    """The document served before any statement is published."""
    return {"schemaVersion": SCHEMA_VERSION, "published": False, "statement": {},
            "organisation": {"name": organisation}, "introduction": {"markdown": ""},
            "amountsShownAs": "exact", "funding": [], "partnerships": [], "services": []}


# characters XML 1.0 does not allow, even escaped
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text without the characters an XML document may not contain."""
    return XML_INVALID.sub("", text)


def dumps(document: dict) -> str:
    """The document as stored: JSON text, UTF-8 kept readable."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> dict:
    """A stored document back as a dict."""
    return json.loads(text)


# --- reading a document: what the pages and the CSV need ------------------------------------

def funders_by_id(document: dict) -> dict[str, dict]:
    """Each funding item by its id."""
    return {item["id"]: item for item in document.get("funding", [])}


def restrictions_by_id(document: dict) -> dict[str, tuple[dict, dict]]:
    """Each restriction by its id, with the funding item it belongs to."""
    return {restriction["id"]: (restriction, item)
            for item in document.get("funding", []) for restriction in item.get("restrictions", [])}


def funder_name(item: dict) -> str:
    """The funder's name in a funding item."""
    organisations = item.get("fundingOrganization") or [{}]
    return organisations[0].get("name", "")


def period(item: dict) -> tuple[str | None, str | None]:
    """(start, end) of a funding item, ISO dates or None."""
    dates = (item.get("plannedDates") or [{}])[0]
    return dates.get("startDate"), dates.get("endDate")


CSV_HEADER = ["funder", "funder_type", "programme", "amount", "amount_band_minimum",
              "amount_band_maximum", "currency", "start_date", "end_date",
              "client_data_shared", "restrictions", "statement_number", "published_on"]


def funding_rows(document: dict) -> list[list]:
    """The funding table of a statement, one row per funder."""
    statement = document.get("statement", {})
    rows = []
    for item in document.get("funding", []):
        band = item.get("amountBand") or {}
        start, end = period(item)
        programme = (item.get("grantProgramme") or [{}])[0].get("title", "")
        rows.append([
            funder_name(item), item["funderType"], programme, item.get("amountAwarded"),
            band.get("minimum"), band.get("maximum"), item["currency"], start, end,
            item["clientDataShared"],
            "; ".join(r["summary"] for r in item.get("restrictions", [])),
            statement.get("number"), statement.get("publishedOn"),
        ])
    return rows
