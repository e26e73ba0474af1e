"""The public pages: services with each restriction and its funder, partnerships disclosed in full,
English and Spanish, printable, and open to search engines (with a canonical address) while every
other page stays out of them."""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from support.rows import area_rows

from portal.transparency import service

ROOT = Path(__file__).resolve().parents[2]
NOINDEX = '<meta name="robots" content="noindex, nofollow">'
PUBLIC_PAGES = ["/transparency", "/transparency/services", "/transparency/history"]


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def published(query, staff):
    """The sample records in one published statement."""
    def work():
        ids = area_rows("transparency").make_records(staff)
        draft = service.save_draft(staff, "Who **pays** for our work.", "Quién **paga** nuestro trabajo.",
                                   "exact")
        service.publish_draft(staff, draft.public_id)
        return ids
    return query(work)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_services_page_shows_each_restriction_and_its_funder(client, published):
    html = client.get("/transparency/services").get_data(as_text=True)
    service_card = html[html.index(f'id="service-{published["service_id"]}"'):]
    text = _text(service_card)
    assert "Case management" in text
    assert "A funding restriction limits this service" in text
    assert "Trafficking survivors only" in text
    assert "Set by: U.S. Department of Justice, Office for Victims of Crime" in text
    assert ("What the funder's terms actually say Pays for services to people who experienced "
            "trafficking.") in text
    assert "What we do about it Everyone else is served from unrestricted money." in text
    assert "If this service cannot help you Safe Nights Collective, any evening." in text
    # what it does not require, by the voluntary-service model
    assert "You do not have to" in text
    for words in ("Going to therapy or counselling", "Attending religious services",
                  "Leaving the sex trades"):
        assert words in text
    # who pays links to the funder on the statement
    assert f'href="/transparency#funder-{published["funding_id"]}"' in service_card


def test_the_statement_discloses_funding_restrictions_and_law_enforcement(client, published):
    text = _text(client.get("/transparency").get_data(as_text=True))
    assert "450,000 USD" in text and "Federal government" in text
    assert "Client information the funder gets Aggregate figures only, never about one person" in text
    assert "Restrictions that come with this money" in text
    partner = text[text.index("County Sheriff"):]
    assert partner.startswith("County Sheriff's Office Law enforcement")
    assert "Why we have it A funder requires it" in partner
    assert "How we keep you safe Clients decide whether police are involved." in partner
    assert "Who pays for our work." in text


def test_pages_before_any_statement_say_so(client):
    for path in PUBLIC_PAGES:
        response = client.get(path)
        assert response.status_code == 200
        assert "not published a funding statement yet" in response.get_data(as_text=True)


def test_the_pages_are_in_spanish_with_the_spanish_introduction(client, published, query, staff):
    html = client.get("/transparency?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "De dónde viene nuestro dinero" in html
    assert "Quién <strong>paga</strong> nuestro trabajo." in html
    assert "Gobierno federal" in html and "Restricciones que vienen con este dinero" in html
    services = client.get("/transparency/services?lang=es").get_data(as_text=True)
    assert "Una restricción de financiación limita este servicio" in services
    # staff's own words stay as they wrote them
    assert "Trafficking survivors only" in services
    # without a Spanish introduction, Spanish readers get the one there is
    query(lambda: service.publish_draft(staff, service.save_draft(staff, "Only in English.", "",
                                                                  "exact").public_id))
    assert "Only in English." in client.get("/transparency?lang=es").get_data(as_text=True)
    first = client.get("/transparency/history/1?lang=es").get_data(as_text=True)
    assert "Quién <strong>paga</strong>" in first


def test_the_transparency_pages_may_be_indexed_and_name_their_canonical_address(client, published):
    for path in [*PUBLIC_PAGES, "/transparency/history/1"]:
        html = client.get(path).get_data(as_text=True)
        assert NOINDEX not in html and 'name="robots"' not in html, path
        assert f'<link rel="canonical" href="http://localhost{path}">' in html, path
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), path
        assert f'<link rel="alternate" hreflang="es" href="http://localhost{path}?lang=es">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="http://localhost{path}">' in html
    spanish = client.get("/transparency?lang=es").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/transparency?lang=es">' in spanish
    assert 'type="application/atom+xml" href="/transparency/feed.atom"' in spanish


def test_every_other_page_stays_out_of_search_engines(app, client, make_user):
    from support.world import sign_in

    for path in ["/", "/feedback", "/feedback/status", "/login", "/no-such-page", "/transparency/history/99"]:
        assert NOINDEX in client.get(path).get_data(as_text=True), path
    staff = app.test_client()
    sign_in(staff, make_user("staff"))
    assert NOINDEX in staff.get("/staff/transparency").get_data(as_text=True)
    # only views marked indexable are open to search engines
    with app.test_request_context():
        from portal.security import is_indexable
        marked = sorted(rule.endpoint for rule in app.url_map.iter_rules() if is_indexable(rule.endpoint))
    assert marked == ["transparency.history", "transparency.services", "transparency.statement",
                      "transparency.version"]


def test_the_home_page_links_to_the_transparency_page(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/transparency">Our funding</a>' in html
    assert "Where our money comes from, what each funder requires" in html


def test_the_pages_are_printable_and_fit_a_phone(client, published):
    css = (ROOT / "static" / "css" / "portal.css").read_text()
    section = css[css.index("/* transparency"):]
    printed = section[section.index("@media print"):]
    for rule in (".subnav", ".formats", "break-inside: avoid", 'attr(href)'):
        assert rule in printed
    html = client.get("/transparency").get_data(as_text=True)
    assert "<table" not in html.split('<main', 1)[1], "funders are cards, not a wide table"
    assert "style=" not in html and "<script>" not in html


def test_a_hostile_introduction_is_sanitised_on_the_public_page(client, query, staff):
    def work():
        hostile = "Hi <script>alert(1)</script> [x](javascript:alert(1))"
        draft = service.save_draft(staff, hostile, "", "exact")
        service.publish_draft(staff, draft.public_id)
    query(work)
    html = client.get("/transparency").get_data(as_text=True)
    assert "<script>alert" not in html and "javascript:" not in html


def test_each_language_and_version_gets_its_own_published_sections(client, published, query, staff):
    """The funding and services sections of a published statement are rendered once and kept:
    what is kept never crosses languages or versions."""
    english = client.get("/transparency").get_data(as_text=True)
    assert "Federal government" in english
    spanish = client.get("/transparency?lang=es").get_data(as_text=True)
    assert "Gobierno federal" in spanish and "Federal government" not in spanish
    # the choice is kept in a cookie: back to English on purpose
    assert "Federal government" in client.get("/transparency?lang=en").get_data(as_text=True)
    assert "Una restricción de financiación" in client.get(
        "/transparency/services?lang=es").get_data(as_text=True)
    # a new version with a new amount: the current page shows it, the first keeps its own
    def second_version():
        from portal.transparency.models import FundingSource
        (FundingSource.update(amount=500000)
         .where(FundingSource.public_id == published["funding_id"]).execute())
        service.publish_draft(staff, service.save_draft(staff, "Second.", "", "exact").public_id)
    query(second_version)
    current = client.get("/transparency?lang=en").get_data(as_text=True)
    assert "500,000 USD" in current and "450,000 USD" not in current
    first = client.get("/transparency/history/1").get_data(as_text=True)
    assert "450,000 USD" in first and "500,000 USD" not in first
