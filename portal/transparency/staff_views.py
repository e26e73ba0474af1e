"""The staff's pages: funders, restrictions, partnerships, services, and the statement's draft,
preview and publishing. Staff and admins only; every change reaches the public only when a
statement is published."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from portal.i18n import gettext as _
from portal.security import staff_required
from portal.transparency import changes, service
from portal.transparency.forms import (
    DeleteForm,
    DraftActionForm,
    FundingForm,
    PartnershipForm,
    RestrictionForm,
    ServiceForm,
    StatementForm,
)
from portal.transparency.models import FundingSource, Partnership, Restriction, Service
from portal.transparency.views import bp, readable


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
                           statement=readable(doc), pending=service.unpublished_changes(),
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
