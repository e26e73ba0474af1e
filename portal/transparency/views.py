"""The public transparency pages and their machine-readable forms (the staff's are in staff_views.py)."""
from __future__ import annotations

import datetime as dt
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from markupsafe import Markup, escape

from portal import clock
from portal.export import csv_response
from portal.i18n import LANGUAGES, current_language
from portal.i18n import gettext as _
from portal.security import indexable, public
from portal.text import render_published_markdown
from portal.transparency import changes, document, service
from portal.transparency.models import (
    AMOUNT_BANDS,
    AMOUNT_DISPLAY,
    FUNDER_TYPES,
    NOT_REQUIRED,
    PARTNER_BASIS,
    PARTNER_KINDS,
    RESTRICTION_KINDS,
    SHARING,
)

bp = Blueprint("transparency", __name__)


@bp.context_processor
def _labels() -> dict:
    """Labels the transparency templates show for stored codes, translated once per page."""
    return {"funder_type_labels": FUNDER_TYPES.labels(), "band_labels": AMOUNT_BANDS.labels(),
            "sharing_labels": SHARING.labels(), "restriction_kind_labels": RESTRICTION_KINDS.labels(),
            "partner_kind_labels": PARTNER_KINDS.labels(), "basis_labels": PARTNER_BASIS.labels(),
            "not_required_labels": NOT_REQUIRED.labels(), "amount_display_labels": AMOUNT_DISPLAY.labels()}


# --- what the public pages read --------------------------------------------------------------

def _absolute(path: str, language: str | None = None) -> str:
    """An address on the portal's public base URL, in a language when it is not the default."""
    url = current_app.config["BASE_URL"] + path
    if language and language != current_app.config.get("DEFAULT_LANGUAGE", "en"):
        url += f"?lang={language}"
    return url


def _search_meta(path: str, description: str) -> dict:
    """The canonical address, the other languages' addresses and the description of a page."""
    here = current_language()
    return {"canonical": _absolute(path, here), "description": description,
            "alternates": [(code, _absolute(path, code)) for code in LANGUAGES],
            "default_url": _absolute(path)}


def _introduction(doc: dict) -> str:
    """The introduction as safe HTML, in Spanish when the reader reads Spanish and staff wrote one."""
    intro = doc.get("introduction", {})
    return _introduction_html(intro.get("markdown", ""), intro.get("markdownEs", ""))


def _introduction_html(markdown: str, markdown_es: str) -> str:
    """The Spanish text for Spanish readers when there is one, else the introduction, as HTML."""
    # published introductions never change: rendered once per process
    return render_published_markdown(markdown_es if current_language() == "es" and markdown_es
                                      else markdown)


def _period(start: str | None, end: str | None, days: dict) -> str:
    """A funding period in the reader's words ("Oct 1, 2024 to Sep 30, 2027")."""
    def day(value: str) -> str:
        # few distinct days on a page: each is formatted once
        if value not in days:
            days[value] = format_date(dt.date.fromisoformat(value), "medium")
        return days[value]
    if start and end:
        return _("%(start)s to %(end)s", start=day(start), end=day(end))
    if start:
        return _("From %(start)s", start=day(start))
    return _("Until %(end)s", end=day(end)) if end else ""


def readable(doc: dict) -> dict:
    """A statement document with what its pages show: periods in words, names looked up."""
    restrictions = document.restrictions_by_id(doc)
    funding = []
    days: dict[str, str] = {}
    for item in doc.get("funding", []):
        programme = (item.get("grantProgramme") or [{}])[0].get("title", "")
        funding.append({**item, "funder": document.funder_name(item), "programme": programme,
                        "period": _period(*document.period(item), days)})
    funders = {item["id"]: item for item in funding}
    services = []
    for entry in doc.get("services", []):
        limit = restrictions.get(entry.get("limitedBy") or "")
        services.append({
            **entry,
            "funders": [funders[i] for i in entry.get("fundedBy", []) if i in funders],
            "restriction": limit[0] if limit else None,
            "restriction_funder": document.funder_name(limit[1]) if limit else None,
        })
    return {"funding": funding, "partnerships": doc.get("partnerships", []), "services": services,
            "amounts_shown": doc.get("amountsShownAs", "exact"), "introduction": _introduction(doc),
            "organisation": doc.get("organisation", {}).get("name", "")}


def _statement_page(published: service.Published | None, template: str, path: str):
    """A public page of a statement (or the page saying none is published yet)."""
    site = current_app.config["SITE_NAME"]
    if published is None:
        meta = _search_meta(path, _("Where %(organisation)s's money comes from, what each funder "
                                    "requires and who we work with.", organisation=site))
        return render_template(template, published=None, statement=None, **meta)
    meta = _search_meta(path, _(
        "Where %(organisation)s's money comes from, what each funder requires, who we work "
        "with and who each service is for. Statement %(number)d, published %(day)s.",
        organisation=site, number=published.number,
        day=format_date(published.published_on, "long")))
    section = SECTIONS[template]
    return render_template(template, published=published,
                           section_html=_published_section(section, published),
                           introduction=_introduction(published.document),
                           change_lines=[changes.describe(c) for c in published.changes], **meta)


# the part of each public page that comes from the statement alone
SECTIONS = {"transparency/statement.html": "transparency/_funding.html",
            "transparency/services.html": "transparency/_services.html"}
# sections kept per app: (section, statement, language, script root) → HTML
SECTIONS_KEPT = 64


def _published_section(section: str, published: service.Published) -> Markup:
    """A published statement's funding or services section as HTML, rendered once per version
    and language: a published version never changes, and these sections were most of the time
    of its pages. Drafts (the staff preview) are always rendered afresh."""
    kept = current_app.extensions.setdefault("transparency_sections", {})
    key = (section, published.number, published.published_on, current_language(), request.script_root)
    found = kept.get(key)
    if found is None:
        if len(kept) >= SECTIONS_KEPT:
            kept.clear()
        html = render_template(section, published=published, statement=readable(published.document))
        # our own template's output, escaped as it was rendered
        found = kept[key] = Markup(html)  # noqa: S704  # nosec B704
    return found


@bp.route("/transparency")
@public
@indexable
def statement():
    """The current statement: funding, restrictions, data sharing and partnerships, with its date."""
    return _statement_page(service.current_statement(), "transparency/statement.html",
                           url_for("transparency.statement"))


@bp.route("/transparency/services")
@public
@indexable
def services():
    """Each service: who can get it, what it asks and does not ask, who pays and what limits it."""
    return _statement_page(service.current_statement(), "transparency/services.html",
                           url_for("transparency.services"))


@bp.route("/transparency/history")
@public
@indexable
def history():
    """Every published version, newest first, each with what changed since the one before."""
    before = request.args.get("before", type=int)
    page = service.history(before if before and before > 0 else None)
    entries = [(entry, [changes.describe(c) for c in entry.changes]) for entry in page.entries]
    meta = _search_meta(url_for("transparency.history"), _(
        "Every funding transparency statement %(organisation)s has published, and what changed "
        "each time.", organisation=current_app.config["SITE_NAME"]))
    return render_template("transparency/history.html", entries=entries, page=page,
                           paged=before is not None, **meta)


@bp.route("/transparency/history/<id:version>")
@public
@indexable
def version(version: int):
    """One published version in full, as it was on the day it was published."""
    published = service.statement_number(version)
    if published is None:
        abort(404)
    return _statement_page(published, "transparency/statement.html",
                           url_for("transparency.version", version=version))


def _links() -> dict:
    """Where the statement can be read, for the JSON document."""
    return {name: _absolute(url_for(endpoint)) for name, endpoint in (
        ("html", "transparency.statement"), ("services", "transparency.services"),
        ("history", "transparency.history"), ("feed", "transparency.feed"),
        ("csv", "transparency.funding_csv"), ("schema", "transparency.schema"),
        ("self", "transparency.statement_json"))}


@bp.route("/transparency.json")
@public
def statement_json():
    """The current statement as JSON (schema/statement-v1.json)."""
    published = service.current_statement()
    if published is None:
        doc = document.empty(current_app.config["SITE_NAME"])
    else:
        doc = {"published": True, **published.document}
    doc["links"] = _links()
    return Response(json.dumps(doc, ensure_ascii=False, indent=2),
                    mimetype="application/json")


@bp.route("/transparency/schema/statement-v1.json")
@public
def schema():
    """The JSON Schema the document follows."""
    return Response(document.schema_text(), mimetype="application/schema+json")


@bp.route("/transparency/funding.csv")
@public
def funding_csv():
    """The funding table of the current statement as CSV."""
    published = service.current_statement()
    rows = document.funding_rows(published.document) if published else []
    name = f"funding-statement-{published.number}.csv" if published else "funding.csv"
    return csv_response(name, document.CSV_HEADER, rows)


def _rfc3339(moment: dt.datetime) -> str:
    """A stored UTC time as Atom writes it."""
    return moment.replace(microsecond=0).isoformat() + "Z"


@bp.route("/transparency/feed.atom")
@public
def feed():
    """An Atom entry for each published statement, newest first (the latest hundred)."""
    entries = []
    for published in service.feed_entries():
        path = url_for("transparency.version", version=published.number)
        lines = [changes.describe(c) for c in published.changes]
        # the entry's HTML as plain text: the template escapes it once more for the XML
        content = str(_introduction_html(published.introduction, published.introduction_es))
        if lines:
            content += "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"
        entries.append({
            "number": published.number,
            "published_on": published.published_on,
            "updated": _rfc3339(published.published_at),
            "url": _absolute(path),
            "lines": lines,
            "content": content,
        })
    # an empty feed still needs a date: the start of today
    updated = entries[0]["updated"] if entries else f"{clock.today().isoformat()}T00:00:00Z"
    body = render_template("transparency/feed.xml", entries=entries, updated=updated,
                           feed_url=_absolute(url_for("transparency.feed")),
                           page_url=_absolute(url_for("transparency.statement")),
                           history_url=_absolute(url_for("transparency.history")))
    return Response(document.xml_safe(body), mimetype="application/atom+xml")
