"""Council pages: the public page, a member's own pages, and the staff's roster, proposals,
meetings, participation and settings."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from wtforms import SelectChoice

from portal.accounts.audit import record
from portal.clock import today
from portal.council import keyring, service
from portal.council.categories import BY_KEY, CATEGORIES, TEXT_FIELDS, parse_wanted
from portal.council.forms import (
    PROFILE_CATEGORIES,
    PROFILE_TEXT_FIELDS,
    ActionForm,
    AttendanceForm,
    DecisionForm,
    MeetingForm,
    MemberForm,
    ParticipationForm,
    PeriodForm,
    ProfileForm,
    ProposalForm,
    PublishForm,
    ResponseForm,
    SettingsForm,
)
from portal.council.mail import notify_opened
from portal.council.models import KINDS, POSITIONS, VISIBILITY, Meeting, Member, Proposal
from portal.db import write_transaction
from portal.export import csv_response
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.security import council_required, public, staff_required
from portal.text import render_markdown, render_published_markdown

bp = Blueprint("council", __name__)


@bp.context_processor
def _values() -> dict:
    """Labels and helpers the council templates use."""
    return {"position_labels": POSITIONS.labels(), "visibility_labels": VISIBILITY.labels(),
            "kind_labels": KINDS.labels(), "money": service.format_money, "hours": service.hours,
            "markdown": render_markdown, "published_markdown": render_published_markdown,
            "today": today(),
            "amount": lambda entry: service.amount_cents(entry.minutes, entry.rate_cents)}


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = service.get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _member_or_404(member_id: int) -> Member:
    member = service.get_member(member_id)
    if member is None:
        abort(404)
    return member


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = service.get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _contact() -> str:
    """The contact text in the reader's language (the English one when there is no Spanish)."""
    row = service.settings()
    return (row.contact_es if current_language() == "es" and row.contact_es else row.contact_en) or ""


def _form_error(form, error: service.CouncilError) -> None:
    """Show a service refusal next to its field (or at the top of the form)."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        flash(str(error), "error")


# --- the public page -----------------------------------------------------------------------------

@bp.route("/council")
@public
def public_page():
    """Current members with only what they made public, published outcomes, and how to contact."""
    row = service.settings()
    return render_template("council/public.html", roster=service.public_roster(),
                           outcomes=service.published_outcomes(), contact=_contact(),
                           overview=service.diversity() if row.public_diversity else None)


# --- a member's own pages ----------------------------------------------------------------------------

@bp.route("/council/home")
@council_required
def member_home():
    """Where a member lands after logging in."""
    member = service.member_for(g.user)
    proposals = service.open_proposals()
    responses = service.own_responses(member)
    record_ = service.member_record(member) if member else ([], 0, 0)
    return render_template("council/home.html", member=member, proposals=proposals,
                           responses=responses, meetings=service.upcoming_meetings(),
                           past_meetings=service.all_meetings(5), entries=record_[0],
                           total_minutes=record_[1], total_cents=record_[2],
                           currency=service.settings().currency, contact=_contact(),
                           can_read=keyring.member_can_read(g.user),
                           has_own_key=keyring.member_private_key() is not None,
                           decided=[p for p in service.closed_proposals() + proposals if p.decision][:5])


@bp.route("/council/members")
@council_required
def member_roster():
    """Current members as a member sees them."""
    return render_template("council/members.html", roster=service.roster_for(g.user),
                           can_read=keyring.member_can_read(g.user))


@bp.route("/council/profile", methods=["GET", "POST"])
@council_required
def profile():
    """A member writes their own self-description and chooses who sees each part."""
    member = service.member_for(g.user)
    if member is None:
        return render_template("council/not_member.html")
    form = ProfileForm()
    if request.method == "GET":
        form.name.data, form.name_public.data, form.email.data = member.name, member.name_public, member.email
        for key, (value, visibility) in service.own_values(member).items():
            if key in PROFILE_TEXT_FIELDS:
                getattr(form, f"text_{key}").data = value
            elif key in BY_KEY:
                getattr(form, f"cat_{key}").data = value
            getattr(form, f"vis_{key}").data = visibility
    if form.validate_on_submit():
        texts = {key: (getattr(form, f"text_{key}").data or "", getattr(form, f"vis_{key}").data)
                 for key in PROFILE_TEXT_FIELDS}
        categories = {key: (getattr(form, f"cat_{key}").data or "", getattr(form, f"vis_{key}").data)
                      for key in PROFILE_CATEGORIES}
        try:
            service.save_profile(g.user, member, form.name.data, form.name_public.data,
                                 form.email.data or "", texts, categories)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Your page is saved."), "success")
            return redirect(url_for("council.profile"))
    return render_template("council/profile.html", form=form, member=member,
                           unreadable=service.unreadable_fields(member),
                           text_fields=TEXT_FIELDS, categories=CATEGORIES,
                           has_own_key=keyring.member_private_key() is not None,
                           shown_publicly=service.profile(member, service.PUBLIC))


@bp.route("/council/proposals")
@council_required
def proposals():
    """Open proposals with their closing dates, and closed ones with what was decided."""
    member = service.member_for(g.user)
    open_now = service.open_proposals()
    return render_template("council/proposals.html", open_now=open_now,
                           closed=service.closed_proposals(),
                           responses=service.own_responses(member))


@bp.route("/council/proposals/<id:proposal_id>", methods=["GET", "POST"])
@council_required
def proposal(proposal_id: int):
    """Read a proposal, respond or change the response until it closes."""
    item = _proposal_or_404(proposal_id)
    if not service.visible_to_council(item):
        abort(404)
    member = service.member_for(g.user)
    own = service.own_response(member, item)
    form = ResponseForm()
    if request.method == "GET" and own is not None:
        form.position.data, form.hide_name.data = own.position, own.hide_name
        shown = [r for r in service.responses_for(item, g.user) if r.own]
        form.comment.data = shown[0].comment if shown and shown[0].comment else ""
    if form.validate_on_submit():
        try:
            service.respond(g.user, member, item, form.position.data, form.comment.data or "",
                            form.hide_name.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Your response is saved. You can change it until the proposal closes."), "success")
            return redirect(url_for("council.proposal", proposal_id=item.public_id))
    see_others = service.others_visible(member, item)
    return render_template("council/proposal.html", proposal=item, form=form, own=own, member=member,
                           is_open=item.is_open(today()), see_others=see_others,
                           responses=service.responses_for(item, g.user) if see_others else [],
                           tally=service.tally(item) if see_others else None,
                           can_read=keyring.member_can_read(g.user))


@bp.route("/council/meetings/<id:meeting_id>")
@council_required
def meeting(meeting_id: int):
    """A meeting's agenda and notes."""
    return render_template("council/meeting.html", meeting=_meeting_or_404(meeting_id))


# --- staff: the roster -----------------------------------------------------------------------------

def _account_choices(form: MemberForm) -> None:
    form.account.choices = [SelectChoice("", _("Choose an account"))] + [
        SelectChoice(str(user.id), user.username) for user in service.accounts_to_add()]


@bp.route("/staff/council", methods=["GET", "POST"])
@staff_required
def staff_roster():
    """The roster, and a form to add a council account to it."""
    form = MemberForm()
    _account_choices(form)
    if request.method == "GET":
        form.term_starts.data = today()
    if form.validate_on_submit():
        try:
            member = service.add_member(g.user, int(form.account.data or 0), form.name.data,
                                        form.term_starts.data, form.term_ends.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("%(name)s is on the roster.", name=member.name), "success")
            return redirect(url_for("council.staff_roster"))
    members = service.all_members()
    readers = keyring.readers()
    return render_template("council/staff_roster.html", form=form, members=members,
                           can_give=keyring.council_private_key() is not None,
                           waiting=[m for m in members if m.is_current(today())
                                    and m.user_id not in readers])


@bp.route("/staff/council/access", methods=["POST"])
@staff_required
def staff_give_access():
    """Give the council key to every current member who has logged in and has none yet."""
    if not ActionForm().validate_on_submit():
        abort(400)
    granted = keyring.give_out_council_key()
    if granted is None:
        flash(_("Your session cannot read sealed records, so it cannot give access."), "error")
    else:
        flash(_("Members who can now read the council's words: %(num)d.", num=granted), "success")
    return redirect(url_for("council.staff_roster"))


@bp.route("/staff/council/members/<id:member_id>", methods=["GET", "POST"])
@staff_required
def staff_member(member_id: int):
    """One member: what staff may see of their profile, their name and term."""
    member = _member_or_404(member_id)
    form = MemberForm(obj=member if request.method == "GET" else None)
    form.account.choices = [SelectChoice(str(member.user_id), member.user.username)]
    form.account.data = str(member.user_id)
    if form.validate_on_submit():
        try:
            service.update_member(g.user, member, form.name.data, form.term_starts.data,
                                  form.term_ends.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("council.staff_member", member_id=member.public_id))
    entries, minutes, cents = service.member_record(member)
    return render_template("council/staff_member.html", member=member, form=form,
                           shown=service.profile(member, service.STAFF), entries=entries,
                           total_minutes=minutes, total_cents=cents,
                           currency=service.settings().currency)


@bp.route("/staff/council/diversity")
@staff_required
def staff_diversity():
    """Counts per category across current members, small numbers hidden, and the gaps."""
    return render_template("council/staff_diversity.html", overview=service.diversity(),
                           public=service.settings().public_diversity)


def _wanted_choices() -> list[SelectChoice]:
    return [SelectChoice(f"{c.key}:{value}", f"{c.label}: {label}")
            for c in CATEGORIES for value, label in c.choices if value != "prefer_not"]


@bp.route("/staff/council/settings", methods=["GET", "POST"])
@staff_required
def staff_settings():
    """Contact text, the public overview, who the organisation wants represented, the rate."""
    row = service.settings()
    form = SettingsForm()
    form.wanted.choices = _wanted_choices()
    if request.method == "GET":
        form.contact_en.data, form.contact_es.data = row.contact_en, row.contact_es
        form.public_diversity.data = row.public_diversity
        form.wanted.data = [f"{k}:{v}" for k, v in parse_wanted(row.wanted)]
        form.rate.data, form.currency.data = service.format_money(row.rate_cents), row.currency
    if form.validate_on_submit():
        try:
            service.save_settings(g.user, form.contact_en.data or "", form.contact_es.data or "",
                                  form.public_diversity.data, form.wanted.data or [], form.rate.data,
                                  form.currency.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("council.staff_settings"))
    return render_template("council/staff_settings.html", form=form, categories=CATEGORIES)


# --- staff: proposals ------------------------------------------------------------------------------

@bp.route("/staff/council/proposals")
@staff_required
def staff_proposals():
    """Every proposal, with how many responded."""
    items = service.all_proposals()
    return render_template("council/staff_proposals.html", proposals=items,
                           tallies=service.response_counts())


@bp.route("/staff/council/proposals/new", methods=["GET", "POST"])
@staff_required
def staff_proposal_new():
    """Write a proposal (a draft until it is opened)."""
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            item = service.save_proposal(g.user, None, form.title.data, form.question.data,
                                         form.background.data or "", form.attachments.data or "",
                                         form.closes_on.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Draft saved. Open it to the council when it is ready."), "success")
            return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))
    return render_template("council/staff_proposal_new.html", form=form)


def _staff_proposal_page(item: Proposal, form=None, decision_form=None, status: int = 200):
    if form is None:
        form = ProposalForm(obj=item, formdata=None)
    if decision_form is None:
        decision_form = DecisionForm(obj=item, formdata=None)
    return render_template("council/staff_proposal.html", proposal=item, form=form,
                           decision_form=decision_form, action_form=ActionForm(),
                           tally=service.tally(item), responses=service.responses_for(item, g.user),
                           is_closed=item.is_closed(today())), status


@bp.route("/staff/council/proposals/<id:proposal_id>", methods=["GET", "POST"])
@staff_required
def staff_proposal(proposal_id: int):
    """A proposal: edit it until it closes, the tally and comments, the decision."""
    item = _proposal_or_404(proposal_id)
    if request.method == "GET":
        return _staff_proposal_page(item)
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            service.save_proposal(g.user, item, form.title.data, form.question.data,
                                  form.background.data or "", form.attachments.data or "",
                                  form.closes_on.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Proposal saved."), "success")
            return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))
    return _staff_proposal_page(item, form=form)


@bp.route("/staff/council/proposals/<id:proposal_id>/open", methods=["POST"])
@staff_required
def staff_proposal_open(proposal_id: int):
    """Open a draft to the council (members with an address get a short note)."""
    item = _proposal_or_404(proposal_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.open_proposal(g.user, item)
    except service.CouncilError as error:
        flash(str(error), "error")
    else:
        sent = notify_opened(item)
        flash(_("The proposal is open to the council.") + (
            " " + _("%(count)d members were told there is something to read.", count=sent) if sent else ""),
            "success")
    return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))


@bp.route("/staff/council/proposals/<id:proposal_id>/delete", methods=["POST"])
@staff_required
def staff_proposal_delete(proposal_id: int):
    """Delete a draft."""
    item = _proposal_or_404(proposal_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.delete_draft(g.user, item)
    except service.CouncilError as error:
        flash(str(error), "error")
        return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("council.staff_proposals"))


@bp.route("/staff/council/proposals/<id:proposal_id>/decision", methods=["POST"])
@staff_required
def staff_decision(proposal_id: int):
    """Record the decision and what the organisation will do."""
    item = _proposal_or_404(proposal_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            service.record_decision(g.user, item, form.decision.data, form.action.data)
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("The decision is recorded. Council members can read it."), "success")
            return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))
    return _staff_proposal_page(item, decision_form=form)


@bp.route("/staff/council/proposals/<id:proposal_id>/publish", methods=["POST"])
@staff_required
def staff_publish(proposal_id: int):
    """Publish the decision as "you said, we did" on the public council page, or take it down."""
    item = _proposal_or_404(proposal_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Choose whether to publish."), "error")
        return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))
    try:
        service.set_published(g.user, item, form.publish.data == "yes")
    except service.CouncilError as error:
        flash(str(error), "error")
    else:
        flash(_("Published on the council page.") if form.publish.data == "yes"
              else _("Taken down from the council page."), "success")
    return redirect(url_for("council.staff_proposal", proposal_id=item.public_id))


# --- staff: meetings ---------------------------------------------------------------------------------

@bp.route("/staff/council/meetings", methods=["GET", "POST"])
@staff_required
def staff_meetings():
    """Every meeting, and a form to plan one."""
    form = MeetingForm()
    if form.validate_on_submit():
        item = service.save_meeting(g.user, None, form.held_on.data, form.title.data,
                                    form.minutes.data, form.agenda.data or "", form.notes.data or "")
        flash(_("Meeting saved."), "success")
        return redirect(url_for("council.staff_meeting", meeting_id=item.public_id))
    return render_template("council/staff_meetings.html", form=form, meetings=service.all_meetings())


def _attendance_choices(form: AttendanceForm) -> None:
    form.present.choices = [SelectChoice(str(m.public_id), m.name) for m in service.all_members()]


@bp.route("/staff/council/meetings/<id:meeting_id>", methods=["GET", "POST"])
@staff_required
def staff_meeting(meeting_id: int):
    """A meeting: change it, write its notes, record who came."""
    item = _meeting_or_404(meeting_id)
    form = MeetingForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        service.save_meeting(g.user, item, form.held_on.data, form.title.data, form.minutes.data,
                             form.agenda.data or "", form.notes.data or "")
        flash(_("Meeting saved."), "success")
        return redirect(url_for("council.staff_meeting", meeting_id=item.public_id))
    present = AttendanceForm(formdata=None)
    _attendance_choices(present)
    present.present.data = [str(i) for i in service.attendance(item)]
    return render_template("council/staff_meeting.html", meeting=item, form=form, present=present)


@bp.route("/staff/council/meetings/<id:meeting_id>/attendance", methods=["POST"])
@staff_required
def staff_attendance(meeting_id: int):
    """Record who came (each counts the meeting's length as participation)."""
    item = _meeting_or_404(meeting_id)
    form = AttendanceForm()
    _attendance_choices(form)
    if form.validate_on_submit():
        service.set_attendance(g.user, item, [int(v) for v in form.present.data or []])
        flash(_("Attendance saved."), "success")
        return redirect(url_for("council.staff_meeting", meeting_id=item.public_id))
    return render_template("council/staff_meeting.html", meeting=item,
                           form=MeetingForm(obj=item, formdata=None), present=form)


# --- staff: participation and stipends ------------------------------------------------------------------

def _period():
    """The period asked for in the query string (this month by default)."""
    form = PeriodForm(request.args)
    start, end = service.default_period()
    if form.validate():
        start, end = form.start.data or start, form.end.data or end
    if end < start:
        start, end = end, start
    form.start.data, form.end.data = start, end
    return form, start, end


@bp.route("/staff/council/participation", methods=["GET", "POST"])
@staff_required
def staff_participation():
    """Log time members gave; what each is owed for a period."""
    period, start, end = _period()
    form = ParticipationForm()
    form.member.choices = [SelectChoice("", _("Choose a member"))] + [
        SelectChoice(str(m.public_id), m.name) for m in service.all_members()]
    if request.method == "GET":
        form.worked_on.data = today()
    if form.validate_on_submit():
        try:
            service.log_participation(g.user, int(form.member.data), form.worked_on.data,
                                      form.kind.data, form.minutes.data, form.rate.data or "",
                                      form.note.data or "")
        except service.CouncilError as error:
            _form_error(form, error)
        else:
            flash(_("Time logged."), "success")
            return redirect(url_for("council.staff_participation", start=start.isoformat(),
                                    end=end.isoformat()))
    row = service.settings()
    return render_template("council/staff_participation.html", form=form, period=period,
                           start=start, end=end, owed=service.owed(start, end),
                           entries=service.entries_in(start, end), shown=service.ENTRIES_SHOWN,
                           action_form=ActionForm(),
                           currency=row.currency, rate_cents=row.rate_cents)


@bp.route("/staff/council/participation/<id:entry_id>/delete", methods=["POST"])
@staff_required
def staff_participation_delete(entry_id: int):
    """Remove an entry logged by mistake."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if service.delete_participation(g.user, entry_id):
        flash(_("The entry was removed."), "success")
    else:
        flash(_("This entry was already removed."), "info")
    return redirect(url_for("council.staff_participation"))


@bp.route("/staff/council/participation.csv")
@staff_required
def staff_participation_csv():
    """What each member is owed for the period, as CSV."""
    _form, start, end = _period()
    with write_transaction():
        record(g.user, "council.export", None)
    header = [_("Member number"), _("Name"), _("From"), _("To"), _("Hours"),
              _("Amount (%(currency)s)", currency=service.settings().currency)]
    return csv_response(f"council-stipends-{start.isoformat()}-{end.isoformat()}.csv", header,
                        service.owed_rows(start, end))
