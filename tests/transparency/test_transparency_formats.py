"""The machine-readable statement: JSON valid against its own shipped schema (360Giving names in the
funding part), an Atom feed that parses as Atom, and the funding table as CSV."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses the portal's own output in a test

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from support.rows import area_rows

from portal.transparency import document, service
from portal.transparency.models import Statement

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def records(query, staff):
    return query(lambda: area_rows("transparency").make_records(staff))


def _publish(query, staff, introduction: str = "Who pays for our work.", amounts: str = "exact") -> int:
    def work():
        draft = service.save_draft(staff, introduction, "", amounts)
        return service.publish_draft(staff, draft.public_id).number
    return query(work)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(document.SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _errors(validator, doc) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_json_validates_against_its_own_schema(client, query, staff, records, validator):
    empty = client.get("/transparency.json")
    assert empty.status_code == 200 and empty.mimetype == "application/json"
    assert empty.get_json()["published"] is False
    assert _errors(validator, empty.get_json()) == []

    _publish(query, staff)
    doc = client.get("/transparency.json").get_json()
    assert _errors(validator, doc) == []
    assert doc["published"] is True and doc["statement"]["number"] == 1
    assert doc["links"]["schema"] == "http://localhost/transparency/schema/statement-v1.json"
    # the schema served is the one shipped
    served = client.get("/transparency/schema/statement-v1.json")
    assert served.mimetype == "application/schema+json"
    assert json.loads(served.data) == json.loads(document.SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_schema_refuses_what_it_must(client, query, staff, records, validator):
    _publish(query, staff)
    doc = client.get("/transparency.json").get_json()
    broken = json.loads(json.dumps(doc))
    del broken["funding"][0]["restrictions"][0]["termsSay"]
    assert any("termsSay" in error for error in _errors(validator, broken))
    both = json.loads(json.dumps(doc))
    both["funding"][0]["amountBand"] = {"code": "1m-plus", "minimum": 1_000_000, "maximum": None}
    assert _errors(validator, both), "an amount and a band together must not validate"
    unknown = json.loads(json.dumps(doc))
    unknown["partnerships"][0]["kind"] = "vigilantes"
    assert _errors(validator, unknown)
    undated = json.loads(json.dumps(doc))
    del undated["statement"]["publishedOn"]
    assert _errors(validator, undated), "a published statement carries its date"


def test_the_funding_part_uses_360giving_field_names(client, query, staff, records, validator):
    _publish(query, staff)
    item = client.get("/transparency.json").get_json()["funding"][0]
    federal = "U.S. Department of Justice, Office for Victims of Crime"
    assert item["fundingOrganization"] == [{"name": federal}]
    assert item["recipientOrganization"] == [{"name": "Community Services"}]
    assert item["title"] == "Services for Victims of Human Trafficking"
    assert item["grantProgramme"] == [{"title": "Services for Victims of Human Trafficking"}]
    assert (item["amountAwarded"], item["currency"]) == (450000, "USD")
    assert item["plannedDates"] == [{"startDate": "2024-10-01", "endDate": "2027-09-30"}]
    assert item["funderType"] == "federal" and item["clientDataShared"] == "aggregate"
    assert item["restrictions"][0]["summary"] == "Trafficking survivors only"
    # the schema says which fields are 360Giving's
    funding = validator.schema["$defs"]["funding"]["properties"]
    marked = {name for name, spec in funding.items() if "x-360Giving" in spec}
    assert {"id", "title", "description", "fundingOrganization", "recipientOrganization", "currency",
            "amountAwarded", "plannedDates", "grantProgramme", "dateModified"} == marked


def test_bands_publish_no_exact_figure_anywhere(client, query, staff, records, validator):
    _publish(query, staff, amounts="bands")
    raw = client.get("/transparency.json").get_data(as_text=True)
    doc = json.loads(raw)
    assert _errors(validator, doc) == []
    assert "amountAwarded" not in raw and "450000" not in raw
    assert doc["funding"][0]["amountBand"] == {"code": "250k-500k", "minimum": 250_000, "maximum": 499_999}
    page = client.get("/transparency").get_data(as_text=True)
    assert "250,000 to 499,999 USD" in page and "450,000" not in page
    assert "450000" not in client.get("/transparency/funding.csv").get_data(as_text=True)
    snapshot = query(lambda: Statement.published_number(1).snapshot)
    assert "450000" not in snapshot


def test_band_boundaries():
    assert [document.band_for(n) for n in (1, 9_999, 10_000, 999_999, 1_000_000, 10**12)] == [
        "under-10k", "under-10k", "10k-50k", "500k-1m", "1m-plus", "1m-plus"]


def _parse_feed(client) -> ET.Element:
    response = client.get("/transparency/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def _links(element) -> dict[str, str]:
    return {link.get("rel", "alternate"): link.get("href") for link in element.findall(f"{ATOM}link")}


def _check_feed_head(root) -> None:
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, f"the feed needs exactly one {name}"
        assert root.find(f"{ATOM}{name}").text.strip()
    assert RFC3339.match(root.find(f"{ATOM}updated").text)
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Community Services"
    links = _links(root)
    assert links["self"] == "http://localhost/transparency/feed.atom"
    assert links["alternate"] == "http://localhost/transparency"


def test_an_empty_feed_is_still_valid_atom(client):
    root = _parse_feed(client)
    _check_feed_head(root)
    assert root.findall(f"{ATOM}entry") == []


def test_the_feed_parses_as_atom_with_one_entry_per_statement(client, query, staff, records):
    _publish(query, staff, "First <b>statement</b> & more.")
    query(lambda: service.delete_partnership(staff, service.partnerships()[0]))
    _publish(query, staff, "Second statement.")
    root = _parse_feed(client)
    _check_feed_head(root)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    ids = []
    for entry, number in zip(entries, (2, 1), strict=True):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1
        assert RFC3339.match(entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}title").text.startswith(f"Statement {number}, published")
        assert _links(entry)["alternate"] == f"http://localhost/transparency/history/{number}"
        ids.append(entry.find(f"{ATOM}id").text)
    assert len(set(ids)) == 2
    assert root.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text
    # the HTML content is escaped once for the XML: parsed, it is the sanitised introduction
    first = entries[1].find(f"{ATOM}content")
    assert first.get("type") == "html"
    assert "<p>First <b>statement</b> &amp; more.</p>" not in first.text
    assert first.text.startswith("<p>First statement &amp; more.</p>")
    assert "Partnership no longer listed: County Sheriff's Office" in entries[0].find(f"{ATOM}summary").text


def test_the_feed_leaves_out_characters_xml_cannot_hold(client, query, staff, records):
    _publish(query, staff, "Noncharacters \ufffe\uffff do not break the feed.")
    root = _parse_feed(client)
    assert "Noncharacters  do not break" in root.find(f"{ATOM}entry/{ATOM}content").text


def test_the_funding_table_is_a_csv_safe_to_open(client, query, staff, records, app):
    assert client.get("/transparency/funding.csv").get_data(as_text=True).startswith("funder,funder_type")

    def risky_funder():
        service.save_funding(staff, None, {
            "funder_name": "=HYPERLINK(\"http://evil.example\")", "funder_type": "corporate",
            "programme": "", "description": "", "amount": None, "amount_band": "under-10k",
            "currency": "USD", "starts_on": None, "ends_on": None, "client_data": "nothing",
            "client_data_detail": ""})
    query(risky_funder)
    _publish(query, staff)
    response = client.get("/transparency/funding.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="funding-statement-1.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == document.CSV_HEADER
    by_name = {row[0]: row for row in rows[1:]}
    federal = by_name["U.S. Department of Justice, Office for Victims of Crime"]
    assert federal[1:4] == ["federal", "Services for Victims of Human Trafficking", "450000"]
    assert federal[10] == "Trafficking survivors only" and federal[11] == "1"
    assert "'=HYPERLINK(\"http://evil.example\")" in by_name
    assert by_name["'=HYPERLINK(\"http://evil.example\")"][4:6] == ["1", "9999"]
