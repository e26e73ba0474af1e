"""Anonymous feedback pages and the staff's triage pages."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from portal import codes, drafts, kiosk, throttle
from portal.accounts import sealed
from portal.clock import today
from portal.errors import keeps_form_on_expiry
from portal.export import csv_response
from portal.feedback import receipts, service
from portal.feedback.forms import (
    ActionForm,
    AssignForm,
    DeleteConversationForm,
    EditReplyForm,
    FeedbackForm,
    FilterForm,
    FollowUpForm,
    LookupForm,
    NoteForm,
    ProposeForm,
    QuoteAnswerForm,
    RedactForm,
    ReplyForm,
    StatusForm,
    TagsForm,
    TemplateForm,
    WithdrawQuoteForm,
    client_status_text,
)
from portal.feedback.models import RATINGS, STATUSES, TOPICS, FeedbackThread
from portal.i18n import LANGUAGES, current_language
from portal.i18n import gettext as _
from portal.security import public, staff_required
from portal.text import reveal_bidi_controls
from portal.throttle import FORM_LIMIT, code_lookup_limits, limiter

bp = Blueprint("feedback", __name__)


@bp.context_processor
def _labels() -> dict:
    """Labels the feedback templates show for stored values."""
    # translated once per page, not once per table cell
    return {"topic_labels": TOPICS.labels(), "status_labels": STATUSES.labels(),
            "rating_labels": RATINGS.labels()}


# --- the client's side -----------------------------------------------------------------------

def _feedback_page(form: FeedbackForm):
    return render_template("feedback/form.html", form=form, published=service.published_items(),
                           shown_in=service.shown_in, language=current_language(),
                           anyone_named=service.anyone_named_for_complaints())


@bp.route("/feedback", methods=["GET", "POST"])
@keeps_form_on_expiry(lambda: _feedback_page(FeedbackForm()))
@limiter.limit(FORM_LIMIT, methods=["POST"])
@public
def form():
    """The feedback form and the public "you said, we did" list."""
    form = FeedbackForm()
    if form.is_submitted() and form.website.data:
        # a robot filled the hidden field: it sees the usual answer, nothing is kept
        return render_template("feedback/receipt.html", receipt=receipts.decoy_receipt())
    if form.validate_on_submit():
        try:
            receipt = service.submit_feedback(form.message.data, form.topic.data or "",
                                              int(form.rating.data) if form.rating.data else None,
                                              bool(form.quotable.data), form.form_token.data,
                                              restricted=form.readers.data == "complaints",
                                              language=current_language())
        except service.AlreadySent:
            kiosk.submission_done()
            return render_template("feedback/already_sent.html")
        except service.FeedbackError as error:
            form.message.errors.append(str(error))
        else:
            kiosk.submission_done()
            # rendered, never redirected: the receipt must not appear in any address
            return render_template("feedback/receipt.html", receipt=receipt)
    return _feedback_page(form)


def _status_after_expiry():
    """The conversation again with the follow-up as it was typed, or the code form."""
    thread = service.find_thread(request.form.get("receipt", ""))
    if thread is None:
        return render_template("feedback/status.html", form=LookupForm())
    return _client_thread(thread, codes.tidy(request.form.get("receipt", "")), follow_up=FollowUpForm())


@bp.route("/feedback/receipt.txt", methods=["POST"])
@limiter.limit(FORM_LIMIT)
@public
def receipt_text():
    """The code as a plain-text file to keep: sent in the form, never in an address, and only a
    well-formed code is written into the file (nothing else the request carried)."""
    code = codes.normalise(request.form.get("receipt", ""))
    if not receipts.looks_like_receipt(code):
        abort(400)
    lines = [_("Code: %(code)s", code=codes.format_code(code)), "",
             _("To use it: go back to the page where you got this code, choose “Read our reply” and "
               "type the code. Capital or small letters, spaces and dashes do not matter."), ""]
    return ("\r\n".join(lines), 200, {"Content-Type": "text/plain; charset=utf-8",
                                       "Content-Disposition": 'attachment; filename="code.txt"'})


@bp.route("/feedback/status", methods=["GET", "POST"])
@keeps_form_on_expiry(_status_after_expiry)
@code_lookup_limits
@public
def status():
    """Enter a receipt to read the conversation, add to it or withdraw permission to quote."""
    if request.method == "GET":
        return render_template("feedback/status.html", form=LookupForm())
    typed = request.form.get("receipt", "")
    thread = service.find_thread(typed)
    if thread is None:
        return _not_found()
    receipt = codes.tidy(typed)
    if "delete_confirmed" in request.form or "delete_conversation" in request.form:
        if DeleteConversationForm().validate():
            return _delete(thread, receipt, confirmed="delete_confirmed" in request.form)
    elif "withdraw_quote" in request.form:
        if WithdrawQuoteForm().validate():
            service.withdraw_quote_permission(thread)
            return _client_thread(thread, receipt, note=_("We will not quote this message."))
    elif "allow_quote" in request.form:
        if WithdrawQuoteForm().validate():
            service.allow_quote_again(thread)
            return _client_thread(thread, receipt, note=_("Thank you. We may ask you to approve a "
                                                           "text to publish."))
    elif "approve_quote" in request.form or "decline_quote" in request.form:
        answer = QuoteAnswerForm()
        if answer.validate():
            return _answer_proposal(thread, receipt, answer, "approve_quote" in request.form)
    elif "message" in request.form:
        follow_up = FollowUpForm()
        if not follow_up.validate():
            return _client_thread(thread, receipt, follow_up=follow_up)
        try:
            service.add_follow_up(thread, receipt, follow_up.message.data, follow_up.form_token.data)
        except service.AlreadySent:
            return _client_thread(thread, receipt, note=_("This message was already added. It is "
                                                          "in the conversation once."))
        except service.FeedbackError as error:
            follow_up.message.errors.append(str(error))
            return _client_thread(thread, receipt, follow_up=follow_up)
        return _client_thread(thread, receipt, note=_("Your message was added. Thank you."))
    return _client_thread(thread, receipt)


def _delete(thread: FeedbackThread, receipt: str, confirmed: bool):
    """Ask once, then erase the conversation; the page after says what happened, and nothing more."""
    form = DeleteConversationForm(formdata=None, receipt=receipt)
    if not confirmed:
        return render_template("feedback/delete.html", form=form)
    try:
        service.delete_conversation(thread, receipt)
    except service.FeedbackError as error:
        return _client_thread(thread, receipt, note=str(error))
    return render_template("feedback/deleted.html")


def _answer_proposal(thread: FeedbackThread, receipt: str, answer: QuoteAnswerForm, approve: bool):
    """The person approves or declines the text proposed for the public list."""
    if not approve:
        service.decline_quote(thread)
        return _client_thread(thread, receipt, note=_("Thank you. We will not publish this text."))
    try:
        service.approve_quote(thread, receipt, answer.seen.data or "")
    except service.FeedbackError as error:
        return _client_thread(thread, receipt, note=str(error))
    return _client_thread(thread, receipt, note=_("Thank you. Your words are now on our public "
                                                   "“you said, we did” list."))


def _not_found():
    """The one answer for every receipt that does not open a conversation."""
    throttle.code_missed()
    form = LookupForm()
    if form.validate():
        form.receipt.errors.append(_("We could not find a conversation for that code. Check "
                                     "it and try again: it has 16 letters and numbers."))
    return render_template("feedback/status.html", form=form)


def _client_thread(thread: FeedbackThread, receipt: str, follow_up: FollowUpForm | None = None,
                   note: str | None = None):
    """The client's view of their conversation, with the receipt only in hidden fields."""
    follow_up = follow_up or FollowUpForm(formdata=None, receipt=receipt)
    follow_up.receipt.data = receipt
    messages = service.client_messages(thread, receipt)
    return render_template("feedback/thread.html", thread=thread, messages=messages,
                           status_text=client_status_text(thread.status, messages), follow_up=follow_up,
                           withdraw=WithdrawQuoteForm(formdata=None, receipt=receipt), note=note,
                           proposal=service.client_proposal(thread, receipt),
                           answer=QuoteAnswerForm(formdata=None, receipt=receipt,
                                                  seen=service.proposal_digest(thread)),
                           languages=LANGUAGES,
                           delete=DeleteConversationForm(formdata=None, receipt=receipt))


# --- the staff's side ------------------------------------------------------------------------

@bp.route("/staff/feedback")
@staff_required
def staff_list():
    """Threads newest activity first, filtered, fifty a page; words searched in a bounded batch."""
    form = FilterForm(request.args)
    filters = form.chosen()
    search = None
    if filters.text:
        search = service.search_threads(g.user, filters)
        page = service.ThreadPage(search.threads, search.excerpts, None)
    else:
        page = service.list_threads(g.user, cursor=request.args.get("cursor"), filters=filters)
    return render_template("feedback/staff_list.html", filters=form, page=page, search=search,
                           search_batch=service.SEARCH_BATCH, filter_args=filters.as_args(),
                           paged=bool(request.args.get("cursor")), languages=LANGUAGES)


def _thread_or_404(thread_id: int) -> FeedbackThread:
    """The thread, or a 404 page (also when this account may not read it)."""
    thread = service.get_thread(thread_id, g.user)
    if thread is None:
        abort(404)
    return thread


def _proposal_form(thread: FeedbackThread) -> ProposeForm:
    """The proposal form, starting from the current proposal or the person's exact words."""
    current = service.staff_proposal(thread)
    if current is not None:
        return ProposeForm(formdata=None, quote=current.quote, action_taken=current.action,
                           quote_translation=current.quote_translation,
                           action_translation=current.action_translation, language=current.language)
    return ProposeForm(formdata=None, quote=service.suggested_quote(thread),
                       language=current_language())


def _staff_thread_page(thread: FeedbackThread, reply: ReplyForm | None = None,
                       propose: ProposeForm | None = None, tags: TagsForm | None = None,
                       note: NoteForm | None = None, editing: tuple[int, EditReplyForm] | None = None,
                       redacting: tuple[int, RedactForm] | None = None,
                       assign: AssignForm | None = None):
    """The staff page for one thread, with every form on it."""
    messages = service.thread_messages(thread)
    now = service.clock.utc_now()
    edits, redactions = {}, {}
    for message in messages:
        if message.text is not None and service.may_change(g.user, message, now):
            if editing and editing[0] == message.public_id:
                form = editing[1]
            else:
                form = EditReplyForm(formdata=None, message=message.text)
            # one form per reply on the page: each its own id
            form.message.id = f"edit-{message.public_id}"
            edits[message.id] = form
        elif message.text is not None and message.author == "client":
            if redacting and redacting[0] == message.public_id:
                form = redacting[1]
            else:
                # a direction override shows as its code here too, never reorders the text
                form = RedactForm(formdata=None, message=reveal_bidi_controls(message.text))
            form.message.id = f"redact-{message.public_id}"
            redactions[message.id] = form
    filters = FilterForm(request.args).chosen()
    newer, older = service.neighbours(g.user, thread, filters)
    if assign is None:
        assign = AssignForm(formdata=None, assignee=thread.assigned_to.username if thread.assigned_to_id
                            and thread.assigned_to else "")
    assign.assignee.choices = [("", _("Nobody")), *[(user.username, user.name)
                                                   for user in service.assignable_staff(thread)]]
    templates = service.reply_templates()
    if reply is None:
        reply = _with_draft(ReplyForm(formdata=None),
                            url_for("feedback.staff_reply", thread_id=thread.public_id))
        # "Use this template" without scripts: the page again, with the template in the box
        chosen = service.template_text(request.args.get("template", "")) if templates else None
        if chosen is not None:
            reply.message.data = chosen
    return render_template(
        "feedback/staff_thread.html", thread=thread, messages=messages, edits=edits,
        templates=templates, chosen_template=request.args.get("template", ""),
        newer=newer, older=older, filter_args=filters.as_args(), assign_form=assign,
        languages=LANGUAGES,
        redactions=redactions,
        edit_minutes=service.EDIT_MINUTES, withdraw_form=ActionForm(formdata=None),
        notes=service.thread_notes(thread),
        note_form=note or _with_draft(NoteForm(formdata=None),
                                      url_for("feedback.staff_note", thread_id=thread.public_id)),
        reply_form=reply,
        status_form=StatusForm(formdata=None, status=thread.status),
        tags_form=tags or TagsForm(formdata=None, tags=", ".join(thread.tag_list)),
        propose_form=propose or _proposal_form(thread), proposal=service.staff_proposal(thread),
        action_form=ActionForm(formdata=None))


@bp.route("/staff/feedback/<id:thread_id>")
@staff_required
def staff_thread(thread_id: int):
    """Read a thread (reading changes nothing; marking it read is a button)."""
    return _staff_thread_page(_thread_or_404(thread_id))


def _with_draft(form, action: str):
    """The form, filled in with what this person wrote before their session ended, if anything."""
    drafts.restore(form, action)
    return form


@bp.route("/staff/feedback/<id:thread_id>/reply", methods=["POST"])
@drafts.keeps_draft(("message",), lambda thread_id: url_for("feedback.staff_thread", thread_id=thread_id))
@staff_required
def staff_reply(thread_id: int):
    """Answer the client."""
    thread = _thread_or_404(thread_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _staff_thread_page(thread, reply=form)
    try:
        service.reply(g.user, thread, form.message.data)
    except service.FeedbackError as error:
        form.message.errors.append(str(error))
        return _staff_thread_page(thread, reply=form)
    flash(_("Your reply was sent. The person sees it when they enter their code."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/messages/<id:message_id>/edit", methods=["POST"])
@staff_required
def staff_edit_reply(thread_id: int, message_id: int):
    """Change one's reply in the minutes after sending it."""
    thread = _thread_or_404(thread_id)
    form = EditReplyForm()
    if not form.validate_on_submit():
        return _staff_thread_page(thread, editing=(message_id, form))
    try:
        service.edit_reply(g.user, thread, message_id, form.message.data)
    except service.FeedbackError as error:
        flash(str(error), "error")
    else:
        flash(_("Your reply was changed. The person reads the new text."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/messages/<id:message_id>/withdraw", methods=["POST"])
@staff_required
def staff_withdraw_reply(thread_id: int, message_id: int):
    """Take one's reply back in the minutes after sending it."""
    thread = _thread_or_404(thread_id)
    if ActionForm().validate_on_submit():
        try:
            service.withdraw_reply(g.user, thread, message_id)
        except service.FeedbackError as error:
            flash(str(error), "error")
        else:
            flash(_("Your reply was withdrawn. The person no longer sees it."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/messages/<id:message_id>/redact", methods=["POST"])
@staff_required
def staff_redact(thread_id: int, message_id: int):
    """Replace the person's message with a version without someone else's details."""
    thread = _thread_or_404(thread_id)
    form = RedactForm()
    if not form.validate_on_submit():
        return _staff_thread_page(thread, redacting=(message_id, form))
    try:
        service.redact_message(g.user, thread, message_id, form.message.data)
    except service.FeedbackError as error:
        flash(str(error), "error")
    else:
        flash(_("The message was replaced with the redacted version. The original is gone."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/assign", methods=["POST"])
@staff_required
def staff_assign(thread_id: int):
    """Assign the thread to a member of staff who may read it, or to nobody."""
    thread = _thread_or_404(thread_id)
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("Choose someone on the list: only active staff who may read this conversation can "
                "be assigned to it."), "error")
        return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))
    try:
        assignee = service.assign(g.user, thread, form.assignee.data or "")
    except service.FeedbackError as error:
        flash(str(error), "error")
    else:
        if assignee is None:
            flash(_("This conversation is assigned to nobody now."), "success")
        else:
            flash(_("Assigned to %(name)s.", name=assignee.name), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/note", methods=["POST"])
@drafts.keeps_draft(("note",), lambda thread_id: url_for("feedback.staff_thread", thread_id=thread_id))
@staff_required
def staff_note(thread_id: int):
    """Keep a private note for the team; the person never sees it."""
    thread = _thread_or_404(thread_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _staff_thread_page(thread, note=form)
    try:
        service.add_note(g.user, thread, form.note.data)
    except service.FeedbackError as error:
        form.note.errors.append(str(error))
        return _staff_thread_page(thread, note=form)
    flash(_("Your private note was saved. Only the team sees it."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id) + "#notes")


@bp.route("/staff/feedback/<id:thread_id>/status", methods=["POST"])
@staff_required
def staff_status(thread_id: int):
    """Mark a thread new, read, replied or archived."""
    thread = _thread_or_404(thread_id)
    form = StatusForm()
    if form.validate_on_submit():
        service.set_status(g.user, thread, form.status.data)
        flash(_("Status changed to “%(status)s”.", status=STATUSES.label(form.status.data)), "success")
    else:
        flash(_("Choose one of the listed statuses."), "error")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/tags", methods=["POST"])
@staff_required
def staff_tags(thread_id: int):
    """Replace the thread's tags; refused tags come back in the form as typed."""
    thread = _thread_or_404(thread_id)
    form = TagsForm()
    if form.validate_on_submit():
        try:
            service.set_tags(g.user, thread, form.tags.data or "")
        except service.FeedbackError as error:
            form.tags.errors.append(str(error))
        else:
            flash(_("Tags saved."), "success")
            return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))
    return _staff_thread_page(thread, tags=form)


@bp.route("/staff/feedback/<id:thread_id>/propose", methods=["POST"])
@staff_required
def staff_propose(thread_id: int):
    """Ask the person to approve a text for the public list; nothing is public until they do."""
    thread = _thread_or_404(thread_id)
    form = ProposeForm()
    if not thread.quotable:
        # the page shows no proposal form for such a thread, so the refusal is a message
        flash(_("This person did not agree to be quoted, so it cannot be published."), "error")
        return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))
    if not form.validate_on_submit():
        return _staff_thread_page(thread, propose=form)
    proposal = service.Proposal(quote=form.quote.data, action=form.action_taken.data,
                                language=form.language.data,
                                quote_translation=form.quote_translation.data or "",
                                action_translation=form.action_translation.data or "")
    try:
        service.propose_quote(g.user, thread, proposal)
    except service.FeedbackError as error:
        form.quote.errors.append(str(error))
        return _staff_thread_page(thread, propose=form)
    flash(_("Proposed. The person sees the text when they enter their code, and it is published "
            "only if they approve it."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/publish", methods=["POST"])
@staff_required
def staff_publish(thread_id: int):
    """Put the text the person approved back on the public list."""
    thread = _thread_or_404(thread_id)
    if ActionForm().validate_on_submit():
        try:
            service.publish(g.user, thread)
        except service.FeedbackError as error:
            flash(str(error), "error")
        else:
            flash(_("Published on the “you said, we did” list."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/<id:thread_id>/unpublish", methods=["POST"])
@staff_required
def staff_unpublish(thread_id: int):
    """Take a thread off the public list."""
    thread = _thread_or_404(thread_id)
    if ActionForm().validate_on_submit():
        service.unpublish(g.user, thread)
        flash(_("Removed from the “you said, we did” list."), "success")
    return redirect(url_for("feedback.staff_thread", thread_id=thread.public_id))


@bp.route("/staff/feedback/templates", methods=["GET", "POST"])
@staff_required
def staff_templates():
    """The organisation's reply templates: add one, delete one."""
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            service.add_template(g.user, form.title.data, form.body.data)
        except service.FeedbackError as error:
            form.title.errors.append(str(error))
        else:
            flash(_("Template added."), "success")
            return redirect(url_for("feedback.staff_templates"))
    return render_template("feedback/staff_templates.html", form=form,
                           templates=service.reply_templates(), action_form=ActionForm(formdata=None))


@bp.route("/staff/feedback/templates/<id:template_id>/delete", methods=["POST"])
@staff_required
def staff_delete_template(template_id: int):
    """Delete a reply template (replies already sent keep their words)."""
    if ActionForm().validate_on_submit():
        if service.delete_template(g.user, template_id):
            flash(_("Template deleted."), "success")
        else:
            flash(_("This template was already deleted."), "error")
    return redirect(url_for("feedback.staff_templates"))


@bp.route("/staff/feedback/export")
@staff_required
def staff_export_warning():
    """Before the download: what the file holds and where it will land."""
    return render_template("feedback/staff_export.html", can_read=sealed.reader() is not None)


@bp.route("/staff/feedback/export.csv")
@staff_required
def staff_export():
    """Every thread that is not archived, as CSV, streamed a batch at a time (audited)."""
    opener = sealed.reader()
    if opener is None:
        flash(_("Your session cannot read sealed records, so it cannot export them. Log in again, "
                "or ask an admin for access."), "error")
        return redirect(url_for("feedback.staff_list"))
    return csv_response(f"feedback-{today().isoformat()}.csv", service.CSV_HEADER,
                        service.export_threads(g.user, opener))
