"""Staff pages for stories and their consent, and the storyteller's withdrawal page."""
from __future__ import annotations

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

from portal import codes, throttle
from portal.clock import today
from portal.export import csv_response
from portal.i18n import gettext as _
from portal.security import public, staff_required
from portal.stories import service
from portal.stories.forms import (
    ActionForm,
    EditForm,
    LookupForm,
    ReceiptDownloadForm,
    RenewForm,
    StaffWithdrawForm,
    StoryForm,
    UseForm,
    WithdrawForm,
)
from portal.stories.models import ATTRIBUTIONS, CHANNELS, LANGUAGES, METHODS, WITHDRAWN_BY, Story
from portal.text import render_markdown
from portal.throttle import code_lookup_limits

bp = Blueprint("stories", __name__)


@bp.context_processor
def _labels() -> dict:
    """Labels the story templates show for stored values."""
    return {"channel_labels": CHANNELS.labels(), "attribution_labels": ATTRIBUTIONS.labels(),
            "method_labels": METHODS.labels(), "language_labels": LANGUAGES.labels(),
            "withdrawn_by_labels": WITHDRAWN_BY.labels(), "service_guarantee": service.SERVICE_GUARANTEE,
            "recall_texts": service.RECALL}


def _story_or_404(story_id: int) -> Story:
    """The story, or a 404 page."""
    story = service.get_story(story_id)
    if story is None:
        abort(404)
    return story


# --- the staff list and recording a story ------------------------------------------------------

@bp.route("/staff/stories")
@staff_required
def staff_list():
    """Every story newest first, the consents ending soon and the open takedown tasks."""
    page = service.list_stories(request.args.get("cursor"))
    paged = bool(request.args.get("cursor"))
    expiring, expiring_count = service.expiring_soon() if not paged else ([], 0)
    return render_template("stories/staff_list.html", page=page, paged=paged, expiring=expiring,
                           expiring_count=expiring_count, open_tasks=service.open_takedown_count())


def _new_form() -> StoryForm:
    """The consent form with today's day, a year's consent and the current wording."""
    day = today()
    return StoryForm(consent_given_on=day, consent_expires_on=service.default_expiry(day),
                     wording_version=service.WORDING_VERSION)


@bp.route("/staff/stories/new", methods=["GET", "POST"])
@staff_required
def staff_new():
    """Record a story with the storyteller's consent; the receipt (with its code) is shown once."""
    form = _new_form() if request.method == "GET" else StoryForm()
    if form.validate_on_submit():
        draft = service.StoryDraft(
            title=form.title.data, story_text=form.story_text.data, attribution=form.attribution.data,
            channels=form.chosen_channels(), consent_given_on=form.consent_given_on.data,
            consent_method=form.consent_method.data, consent_language=form.consent_language.data,
            consent_expires_on=form.consent_expires_on.data, content_notes=form.content_notes.data or "",
            real_name=form.real_name.data or "", credit_name=form.credit_name.data or "",
            wording_version=form.wording_version.data.strip(),
            edits_need_approval=bool(form.edits_need_approval.data))
        try:
            story, code = service.create_story(g.user, draft)
        except service.StoryError as error:
            form.form_errors.append(str(error))
        else:
            # rendered, never redirected: the code must not appear in any address
            return _receipt_page(story, code)
    return render_template("stories/staff_new.html", form=form)


def _withdraw_address() -> str:
    """The public address of the withdrawal page, as printed on a receipt."""
    return f"{current_app.config['BASE_URL']}{url_for('stories.withdraw')}"


def _receipt_page(story: Story, code: str | None):
    """The printable consent receipt; the code only right after recording."""
    details = service.describe(story, service.staff_key(story))
    return render_template("stories/receipt.html", details=details, code=code,
                           withdraw_url=_withdraw_address(),
                           download=ReceiptDownloadForm(formdata=None, code=code or ""))


# --- one story -------------------------------------------------------------------------------

def _offer_allowed_channels(form: UseForm, details: service.StoryDetails) -> UseForm:
    """The use form offers only the channels the consent allows today (the gate checks again)."""
    form.channel.choices = [(channel, CHANNELS.label(channel)) for channel in details.active_channels]
    return form


def _story_page(story: Story, use_form: UseForm | None = None, withdraw_form: StaffWithdrawForm | None = None,
                renew_form: RenewForm | None = None, status: int = 200):
    """The staff page of one story (its words are on their own page, whose every reading is logged)."""
    item_key = service.staff_key(story)
    details = service.describe(story, item_key)
    day = today()
    return render_template(
        "stories/staff_story.html", details=details,
        uses=service.uses_of(story, item_key, service.USES_SHOWN), use_count=service.use_count(story),
        tasks=service.takedowns(story, open_only=False), readings=service.readings(story),
        use_form=_offer_allowed_channels(use_form or UseForm(formdata=None, attribution=story.attribution),
                                         details),
        withdraw_form=withdraw_form or StaffWithdrawForm(formdata=None),
        renew_form=renew_form or RenewForm(formdata=None, consent_given_on=day,
                                           consent_expires_on=service.default_expiry(day),
                                           consent_method=story.consent_method,
                                           consent_language=story.consent_language,
                                           wording_version=service.WORDING_VERSION),
        action_form=ActionForm(formdata=None)), status


@bp.route("/staff/stories/<id:story_id>")
@staff_required
def staff_story(story_id: int):
    """A story's consent, channels, uses, takedowns and who read it."""
    return _story_page(_story_or_404(story_id))


@bp.route("/staff/stories/<id:story_id>/text")
@staff_required
def staff_text(story_id: int):
    """The story's full text (each reading recorded in the audit trail)."""
    story = _story_or_404(story_id)
    text = service.read_story_text(g.user, story) if story.erased_on is None else None
    details = service.describe(story, service.staff_key(story))
    return render_template("stories/staff_text.html", details=details, text=text,
                           text_html=render_markdown(text) if text is not None else None)


@bp.route("/staff/stories/<id:story_id>/edit", methods=["GET", "POST"])
@staff_required
def staff_edit(story_id: int):
    """Change the story's words (with the storyteller's approval when they asked for it)."""
    story = _story_or_404(story_id)
    if story.erased_on is not None:
        flash(_("This story was erased. It cannot be edited."), "error")
        return redirect(url_for("stories.staff_story", story_id=story.public_id))
    if request.method == "GET":
        details = service.describe(story, service.staff_key(story))
        text = service.read_story_text(g.user, story)
        if text is None:
            flash(_("Your session cannot read sealed records, so it cannot do this. Log in again, "
                    "or ask an admin for access."), "error")
            return redirect(url_for("stories.staff_story", story_id=story.public_id))
        form = EditForm(formdata=None, title=details.title, story_text=text,
                        content_notes=details.content_notes or "")
        return render_template("stories/staff_edit.html", story=story, form=form)
    form = EditForm()
    if form.validate_on_submit():
        try:
            service.edit_story(g.user, story, form.title.data, form.story_text.data,
                               form.content_notes.data or "", bool(form.approved.data))
        except service.StoryError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The story was changed."), "success")
            return redirect(url_for("stories.staff_story", story_id=story.public_id))
    return render_template("stories/staff_edit.html", story=story, form=form)


@bp.route("/staff/stories/<id:story_id>/use", methods=["POST"])
@staff_required
def staff_use(story_id: int):
    """Use the story in a channel: through the gate, which logs the use or refuses it."""
    story = _story_or_404(story_id)
    form = _offer_allowed_channels(UseForm(), service.describe(story, None))
    if not form.validate_on_submit():
        return _story_page(story, use_form=form)
    try:
        exported = service.export_for_channel(story, form.channel.data, form.purpose.data, g.user,
                                              form.place.data, form.attribution.data,
                                              bool(form.conditions_respected.data))
    except service.StoryError as error:
        form.form_errors.append(str(error))
        return _story_page(story, use_form=form)
    if form.download.data == "text":
        return Response(exported.as_text(), mimetype="text/plain",
                        headers={"Content-Disposition":
                                 f'attachment; filename="story-{story.public_id}-{exported.channel}.txt"'})
    return render_template("stories/export.html", story=story, exported=exported)


@bp.route("/staff/stories/<id:story_id>/withdraw", methods=["POST"])
@staff_required
def staff_withdraw(story_id: int):
    """Record a withdrawal the storyteller gave to staff."""
    story = _story_or_404(story_id)
    form = StaffWithdrawForm()
    if not form.validate_on_submit():
        return _story_page(story, withdraw_form=form)
    try:
        tasks = service.withdraw(story, form.chosen_channels(), "staff", g.user)
    except service.StoryError as error:
        form.everything.errors.append(str(error))
        return _story_page(story, withdraw_form=form)
    flash(_("Withdrawal recorded. It applies at once to every future use.") + " "
          + _("Takedown tasks: %(n)d.", n=len(tasks)), "success")
    return redirect(url_for("stories.staff_story", story_id=story.public_id))


@bp.route("/staff/stories/<id:story_id>/renew", methods=["POST"])
@staff_required
def staff_renew(story_id: int):
    """Record that the storyteller renewed their consent."""
    story = _story_or_404(story_id)
    form = RenewForm()
    if not form.validate_on_submit():
        return _story_page(story, renew_form=form)
    try:
        service.renew(g.user, story, form.consent_given_on.data, form.consent_method.data,
                      form.consent_language.data, form.wording_version.data.strip(),
                      form.consent_expires_on.data)
    except service.StoryError as error:
        form.form_errors.append(str(error))
        return _story_page(story, renew_form=form)
    flash(_("Renewal recorded. Print the receipt again for the storyteller."), "success")
    return redirect(url_for("stories.staff_story", story_id=story.public_id))


@bp.route("/staff/stories/<id:story_id>/receipt")
@staff_required
def staff_receipt(story_id: int):
    """The consent receipt to print again (without the code, which is never kept)."""
    return _receipt_page(_story_or_404(story_id), None)


@bp.route("/staff/stories/<id:story_id>/receipt.txt", methods=["GET", "POST"])
@staff_required
def staff_receipt_text(story_id: int):
    """The receipt as plain text; with the code only when posted from the page that showed it."""
    story = _story_or_404(story_id)
    code = None
    if request.method == "POST":
        form = ReceiptDownloadForm()
        typed = form.code.data or ""
        if form.validate_on_submit() and typed and service.find_by_code(typed) == story:
            code = codes.tidy(typed)
    details = service.describe(story, service.staff_key(story))
    text = render_template("stories/receipt.txt", details=details, code=code,
                           withdraw_url=_withdraw_address())
    return Response(text, mimetype="text/plain",
                    headers={"Content-Disposition":
                             f'attachment; filename="consent-receipt-{story.public_id}.txt"'})


@bp.route("/staff/stories/<id:story_id>/uses.csv")
@staff_required
def staff_uses_csv(story_id: int):
    """The story's use log as CSV (audited)."""
    story = _story_or_404(story_id)
    return csv_response(f"story-{story.public_id}-uses-{today().isoformat()}.csv",
                        service.USES_CSV_HEADER, service.export_uses(g.user, story))


# --- takedowns -------------------------------------------------------------------------------

@bp.route("/staff/stories/takedowns")
@staff_required
def staff_takedowns():
    """Every open takedown task, oldest first, and the ones done lately."""
    return render_template("stories/staff_takedowns.html", tasks=service.takedowns(open_only=False),
                           action_form=ActionForm(formdata=None))


@bp.route("/staff/stories/takedowns/<id:task_id>/done", methods=["POST"])
@staff_required
def staff_takedown_done(task_id: int):
    """Mark a takedown task done."""
    task = service.get_takedown(task_id)
    if task is None:
        abort(404)
    if ActionForm().validate_on_submit():
        service.complete_takedown(g.user, task)
        flash(_("Takedown marked as done."), "success")
    target = request.form.get("back") == "story"
    if target:
        return redirect(url_for("stories.staff_story", story_id=task.story.public_id))
    return redirect(url_for("stories.staff_takedowns"))


# --- the storyteller's side ----------------------------------------------------------------

@bp.route("/stories/withdraw", methods=["GET", "POST"])
@code_lookup_limits
@public
def withdraw():
    """Enter a withdrawal code: see where the story was used, and withdraw some or all uses."""
    if request.method == "GET":
        return render_template("stories/withdraw.html", form=LookupForm())
    typed = request.form.get("code", "")
    story = service.find_by_code(typed)
    item_key = service.key_for_code(story, typed) if story is not None else None
    if item_key is None:
        return _code_not_found()
    code = codes.tidy(typed)
    note = None
    form = WithdrawForm(formdata=None, code=code)
    if "withdraw" in request.form:
        form = WithdrawForm()
        if form.validate_on_submit():
            try:
                service.withdraw(story, form.chosen_channels(), "code")
            except service.StoryError as error:
                form.everything.errors.append(str(error))
            else:
                note = _("Done. We will not use your story in these ways again, starting now.")
                form = WithdrawForm(formdata=None, code=code)
    return render_template("stories/withdraw_story.html", details=service.describe(story, item_key),
                           uses=service.uses_of(story, item_key), form=form, code=code, note=note)


def _code_not_found():
    """The one answer for every code that does not open a story."""
    throttle.code_missed()
    form = LookupForm()
    if form.validate():
        form.code.errors.append(_("We could not find a story for that code. Check it and try "
                                  "again: it has 16 letters and numbers."))
    return render_template("stories/withdraw.html", form=form)
