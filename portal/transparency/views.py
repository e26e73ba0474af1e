"""The public transparency pages, their machine-readable forms, and the staff's editing pages."""
from __future__ import annotations

import datetime as dt
import functools
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from markupsafe import escape

from portal import clock
from portal.export import csv_response
from portal.i18n import LANGUAGES, current_language
from portal.i18n import gettext as _
from portal.security import indexable, public, staff_required
from portal.text import render_markdown
from portal.transparency import changes, document, service
from portal.transparency.forms import (
    DeleteForm,
    DraftActionForm,
    FundingForm,
    PartnershipForm,
    RestrictionForm,
    ServiceForm,
    StatementForm,
)
from portal.transparency.models import (
    AMOUNT_BANDS,
    AMOUNT_DISPLAY,
    FUNDER_TYPES,
    NOT_REQUIRED,
    PARTNER_BASIS,
    PARTNER_KINDS,
    RESTRICTION_KINDS,
    SHARING,
    FundingSource,
    Partnership,
    Restriction,
    Service,
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
    return _rendered(markdown_es if current_language() == "es" and markdown_es else markdown)


@functools.lru_cache(maxsize=64)
def _rendered(markdown: str) -> str:
    """Markdown through the one sanitiser, remembered: published introductions never change and
    rendering them was most of a statement page's time."""
    return render_markdown(markdown)


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


def _readable(doc: dict) -> dict:
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
        day=published.published_on.isoformat()))
    return render_template(template, published=published, statement=_readable(published.document),
                           change_lines=[changes.describe(c) for c in published.changes], **meta)


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


@bp.route("/transparency/history/<int:version>")
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


# --- the staff's pages -----------------------------------------------------------------------

@bp.route("/staff/transparency")
@staff_required
def staff_overview():
    """Funders, partnerships, services, the draft and the current statement, flagged when old."""
    return render_template("transparency/staff_overview.html", **service.staff_overview(),
                           describe=changes.describe)


def _statement_form_page(form: StatementForm, status: int = 200):
    return render_template("transparency/staff_statement.html", form=form, draft=service.draft(),
                           latest=service.current_statement()), status


@bp.route("/staff/transparency/statement", methods=["GET", "POST"])
@staff_required
def staff_statement():
    """Write the draft: its introduction and how amounts are shown."""
    if request.method == "GET":
        return _statement_form_page(StatementForm(formdata=None, **service.draft_starting_values()))
    form = StatementForm()
    if not form.validate_on_submit():
        return _statement_form_page(form)
    try:
        service.save_draft(g.user, form.introduction.data, form.introduction_es.data or "",
                           form.amounts_shown.data)
    except service.TransparencyError as error:
        form.introduction.errors.append(str(error))
        return _statement_form_page(form)
    flash(_("Draft saved. Check the preview, then publish it."), "success")
    return redirect(url_for("transparency.staff_preview"))


@bp.route("/staff/transparency/statement/preview")
@staff_required
def staff_preview():
    """The draft as it would be published now, with what it would change."""
    current = service.draft()
    doc = service.preview_document(current)
    return render_template("transparency/staff_preview.html", draft=current,
                           statement=_readable(doc), pending=service.unpublished_changes(),
                           describe=changes.describe,
                           action_form=DraftActionForm(formdata=None,
                                                       draft=current.public_id if current else ""))


@bp.route("/staff/transparency/statement/publish", methods=["POST"])
@staff_required
def staff_publish():
    """Publish the draft: a new, dated statement that never changes."""
    form = DraftActionForm()
    if not form.validate_on_submit():
        flash(_("There is no draft to publish. Write one first."), "error")
        return redirect(url_for("transparency.staff_statement"))
    try:
        published = service.publish_draft(g.user, form.draft.data)
    except service.TransparencyError as error:
        flash(str(error), "error")
        return redirect(url_for("transparency.staff_overview"))
    flash(_("Statement %(number)d is published.", number=published.number), "success")
    return redirect(url_for("transparency.staff_overview"))


@bp.route("/staff/transparency/statement/discard", methods=["POST"])
@staff_required
def staff_discard():
    """Throw the draft away; the published statements stay as they are."""
    form = DraftActionForm()
    if not form.validate_on_submit():
        flash(_("There is no draft to discard."), "error")
        return redirect(url_for("transparency.staff_overview"))
    try:
        service.discard_draft(g.user, form.draft.data)
    except service.TransparencyError as error:
        flash(str(error), "error")
    else:
        flash(_("Draft discarded."), "success")
    return redirect(url_for("transparency.staff_overview"))


def _or_404(record):
    """The record, or a 404 page."""
    if record is None:
        abort(404)
    return record


def _delete(form_ok: bool, remove, back: str, done: str):
    """The shared answer of the remove buttons."""
    if not form_ok:
        flash(_("Tick the box to confirm."), "error")
        return redirect(back)
    try:
        remove()
    except service.TransparencyError as error:
        flash(str(error), "error")
        return redirect(back)
    flash(done, "success")
    return redirect(url_for("transparency.staff_overview"))


# funding sources

def _funding_page(form: FundingForm, source: FundingSource | None):
    restrictions = service.restrictions_of(source) if source else []
    return render_template("transparency/staff_funding.html", form=form, source=source,
                           restrictions=restrictions, delete_form=DeleteForm(formdata=None))


@bp.route("/staff/transparency/funding/new", methods=["GET", "POST"])
@staff_required
def staff_funding_new():
    """Add a funding source."""
    form = FundingForm()
    if form.validate_on_submit():
        try:
            source = service.save_funding(g.user, None, form.values())
        except service.TransparencyError as error:
            form.amount.errors.append(str(error))
        else:
            flash(_("Funder added. Add its restrictions, if it has any."), "success")
            return redirect(url_for("transparency.staff_funding", funding_id=source.public_id))
    return _funding_page(form, None)


@bp.route("/staff/transparency/funding/<funding_id>", methods=["GET", "POST"])
@staff_required
def staff_funding(funding_id: str):
    """Change a funding source; its restrictions are listed below it."""
    source = _or_404(FundingSource.by_public_id(funding_id))
    if request.method == "GET":
        form = FundingForm(formdata=None, obj=source)
        form.amount.data = str(source.amount) if source.amount is not None else ""
        return _funding_page(form, source)
    form = FundingForm()
    if form.validate_on_submit():
        try:
            service.save_funding(g.user, source, form.values())
        except service.TransparencyError as error:
            form.amount.errors.append(str(error))
        else:
            flash(_("Changes saved. They reach the public page with the next statement."), "success")
            return redirect(url_for("transparency.staff_funding", funding_id=source.public_id))
    return _funding_page(form, source)


@bp.route("/staff/transparency/funding/<funding_id>/delete", methods=["POST"])
@staff_required
def staff_funding_delete(funding_id: str):
    """Remove a funding source and its restrictions."""
    source = _or_404(FundingSource.by_public_id(funding_id))
    return _delete(DeleteForm().validate_on_submit(), lambda: service.delete_funding(g.user, source),
                   url_for("transparency.staff_funding", funding_id=funding_id),
                   _("Funder removed. Published statements keep it as it was."))


# restrictions

def _restriction_page(form: RestrictionForm, source: FundingSource, restriction: Restriction | None):
    return render_template("transparency/staff_restriction.html", form=form, source=source,
                           restriction=restriction, delete_form=DeleteForm(formdata=None))


@bp.route("/staff/transparency/funding/<funding_id>/restrictions/new", methods=["GET", "POST"])
@staff_required
def staff_restriction_new(funding_id: str):
    """Add a restriction to a funder."""
    source = _or_404(FundingSource.by_public_id(funding_id))
    form = RestrictionForm()
    if form.validate_on_submit():
        try:
            service.save_restriction(g.user, source, None, form.values())
        except service.TransparencyError as error:
            form.kind.errors.append(str(error))
        else:
            flash(_("Restriction added."), "success")
            return redirect(url_for("transparency.staff_funding", funding_id=source.public_id))
    return _restriction_page(form, source, None)


@bp.route("/staff/transparency/restrictions/<restriction_id>", methods=["GET", "POST"])
@staff_required
def staff_restriction(restriction_id: str):
    """Change a restriction."""
    restriction = _or_404(Restriction.by_public_id(restriction_id))
    source = restriction.funding_source
    if request.method == "GET":
        return _restriction_page(RestrictionForm(formdata=None, obj=restriction), source, restriction)
    form = RestrictionForm()
    if form.validate_on_submit():
        try:
            service.save_restriction(g.user, source, restriction, form.values())
        except service.TransparencyError as error:
            form.kind.errors.append(str(error))
        else:
            flash(_("Changes saved. They reach the public page with the next statement."), "success")
            return redirect(url_for("transparency.staff_funding", funding_id=source.public_id))
    return _restriction_page(form, source, restriction)


@bp.route("/staff/transparency/restrictions/<restriction_id>/delete", methods=["POST"])
@staff_required
def staff_restriction_delete(restriction_id: str):
    """Remove a restriction."""
    restriction = _or_404(Restriction.by_public_id(restriction_id))
    return _delete(DeleteForm().validate_on_submit(),
                   lambda: service.delete_restriction(g.user, restriction),
                   url_for("transparency.staff_restriction", restriction_id=restriction_id),
                   _("Restriction removed. Published statements keep it as it was."))


# partnerships

def _partnership_page(form: PartnershipForm, partnership: Partnership | None):
    return render_template("transparency/staff_partnership.html", form=form,
                           partnership=partnership, delete_form=DeleteForm(formdata=None))


@bp.route("/staff/transparency/partnerships/new", methods=["GET", "POST"])
@staff_required
def staff_partnership_new():
    """Add a partnership."""
    form = PartnershipForm()
    if form.validate_on_submit():
        try:
            service.save_partnership(g.user, None, form.values())
        except service.TransparencyError as error:
            form.kind.errors.append(str(error))
        else:
            flash(_("Partnership added."), "success")
            return redirect(url_for("transparency.staff_overview"))
    return _partnership_page(form, None)


@bp.route("/staff/transparency/partnerships/<partnership_id>", methods=["GET", "POST"])
@staff_required
def staff_partnership(partnership_id: str):
    """Change a partnership."""
    partnership = _or_404(Partnership.by_public_id(partnership_id))
    if request.method == "GET":
        return _partnership_page(PartnershipForm(formdata=None, obj=partnership), partnership)
    form = PartnershipForm()
    if form.validate_on_submit():
        try:
            service.save_partnership(g.user, partnership, form.values())
        except service.TransparencyError as error:
            form.kind.errors.append(str(error))
        else:
            flash(_("Changes saved. They reach the public page with the next statement."), "success")
            return redirect(url_for("transparency.staff_overview"))
    return _partnership_page(form, partnership)


@bp.route("/staff/transparency/partnerships/<partnership_id>/delete", methods=["POST"])
@staff_required
def staff_partnership_delete(partnership_id: str):
    """Remove a partnership."""
    partnership = _or_404(Partnership.by_public_id(partnership_id))
    return _delete(DeleteForm().validate_on_submit(),
                   lambda: service.delete_partnership(g.user, partnership),
                   url_for("transparency.staff_partnership", partnership_id=partnership_id),
                   _("Partnership removed. Published statements keep it as it was."))


# services

def _service_form(formdata=True, **values) -> ServiceForm:
    """The service form offering today's funders and restrictions."""
    form = ServiceForm(**values) if formdata else ServiceForm(formdata=None, **values)
    funders = [(s.public_id, f"{s.funder_name} – {s.programme}" if s.programme else s.funder_name)
               for s in service.funding_sources()]
    restrictions = [(r.public_id, f"{r.summary} ({r.funding_source.funder_name})")
                    for r in service.all_restrictions()]
    form.set_choices(funders, restrictions)
    return form


def _service_page(form: ServiceForm, record: Service | None):
    return render_template("transparency/staff_service.html", form=form, service_record=record,
                           delete_form=DeleteForm(formdata=None))


@bp.route("/staff/transparency/services/new", methods=["GET", "POST"])
@staff_required
def staff_service_new():
    """Add a service."""
    form = _service_form()
    if form.validate_on_submit():
        try:
            service.save_service(g.user, None, form.values())
        except service.TransparencyError as error:
            form.limited_by.errors.append(str(error))
        else:
            flash(_("Service added."), "success")
            return redirect(url_for("transparency.staff_overview"))
    return _service_page(form, None)


@bp.route("/staff/transparency/services/<service_id>", methods=["GET", "POST"])
@staff_required
def staff_service(service_id: str):
    """Change a service."""
    record = _or_404(Service.by_public_id(service_id))
    if request.method == "GET":
        form = _service_form(formdata=False, obj=record)
        form.not_required.data = record.not_required_list
        form.funded_by.data = service.service_funders(record)
        form.limited_by.data = record.limited_by.public_id if record.limited_by_id else ""
        return _service_page(form, record)
    form = _service_form()
    if form.validate_on_submit():
        try:
            service.save_service(g.user, record, form.values())
        except service.TransparencyError as error:
            form.limited_by.errors.append(str(error))
        else:
            flash(_("Changes saved. They reach the public page with the next statement."), "success")
            return redirect(url_for("transparency.staff_overview"))
    return _service_page(form, record)


@bp.route("/staff/transparency/services/<service_id>/delete", methods=["POST"])
@staff_required
def staff_service_delete(service_id: str):
    """Remove a service."""
    record = _or_404(Service.by_public_id(service_id))
    return _delete(DeleteForm().validate_on_submit(), lambda: service.delete_service(g.user, record),
                   url_for("transparency.staff_service", service_id=service_id),
                   _("Service removed. Published statements keep it as it was."))
