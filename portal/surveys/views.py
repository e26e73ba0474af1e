"""Survey pages: answering anonymously, published results, and the staff's builder and results."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from wtforms import SelectChoice

from portal import codes, kiosk
from portal.accounts.audit import record
from portal.clock import today
from portal.db import write_transaction
from portal.errors import keeps_form_on_expiry
from portal.export import csv_response
from portal.i18n import gettext as _
from portal.security import public, staff_required
from portal.surveys import results as survey_results
from portal.surveys import service
from portal.surveys.forms import (
    ActionForm,
    AnswerForm,
    CodesForm,
    CrossTabForm,
    FilterForm,
    MoveForm,
    PublishForm,
    QuestionForm,
    StateForm,
    SurveyForm,
    VisibilityForm,
)
from portal.surveys.models import KINDS, STATES, Survey, SurveyChoice, SurveyQuestion
from portal.surveys.plan import (
    Answers,
    Plan,
    applies,
    in_reader_language,
    load_plan,
    may_be_last,
    next_page,
    page_number,
    previous_page,
    read_answers,
)
from portal.text import render_published_markdown
from portal.throttle import FORM_LIMIT, limiter

bp = Blueprint("surveys", __name__)
CURSOR = re.compile(r"^(\d{1,10})\.(\d{1,18})$")


@bp.context_processor
def _values() -> dict:
    """Labels and helpers the survey templates use."""
    return {"state_labels": STATES.labels(), "kind_labels": KINDS.labels(),
            "in_reader_language": in_reader_language}


def _survey_or_404(slug: str) -> Survey:
    """The survey, or a 404 page."""
    survey = service.get_survey(slug)
    if survey is None:
        abort(404)
    return survey


# --- answering -------------------------------------------------------------------------------

@bp.route("/surveys")
@public
def index():
    """Surveys taking answers today, and published results."""
    return render_template("surveys/index.html", surveys=service.open_surveys(),
                           published=service.published_results())


def _answers_after_expiry():
    """The page the person was on, with every answer as they sent it and nothing stored."""
    survey = _survey_or_404(request.view_args["slug"])
    if service.availability(survey) != "open":
        return render_template("surveys/unavailable.html", survey=survey,
                               availability=service.availability(survey), posted=True)
    plan = load_plan(survey)
    form = AnswerForm()
    answers, errors = read_answers(plan, request.form)
    page = min(page_number(form.page.data, plan), len(plan.pages))
    return _answer_page(plan, form, page, answers, errors)


@bp.route("/surveys/<slug>", methods=["GET", "POST"])
@keeps_form_on_expiry(_answers_after_expiry)
@limiter.limit(FORM_LIMIT, methods=["POST"])
@public
def answer(slug: str):
    """Answer a survey a page at a time; answers travel in the form and are kept only when sent."""
    survey = _survey_or_404(slug)
    availability = service.availability(survey)
    if availability == "draft":
        abort(404)
    if availability != "open":
        return render_template("surveys/unavailable.html", survey=survey, availability=availability,
                               posted=request.method == "POST")
    plan = load_plan(survey)
    form = AnswerForm()
    if request.method == "GET":
        return _answer_page(plan, form, 1, Answers())
    if form.website.data:
        # a robot filled the hidden field: it sees the usual thanks, nothing is kept
        return render_template("surveys/thanks.html", survey=survey)
    answers, errors = read_answers(plan, request.form)
    page = page_number(form.page.data, plan)
    code = codes.tidy(form.code.data or "") if survey.uses_codes else ""
    code_error = None
    if survey.uses_codes and not (form.validate() and service.code_is_usable(survey, code)):
        code_error = service.code_problem() if code else _("Enter the code from your slip.")
    if errors:
        first = min(plan.by_number(number).page for number in errors)
        return _answer_page(plan, form, first, answers, errors, code_error)
    # the button pressed names itself: "send", "back", or "next" (Enter in a field)
    action = next((name for name in ("send", "back") if name in request.form), "next")
    if action == "back":
        return _answer_page(plan, form, previous_page(plan, page, answers), answers, code_error=code_error)
    if code_error:
        # the person stays where they are, with the code field next to their answers
        return _answer_page(plan, form, min(page, len(plan.pages)), answers, code_error=code_error)
    following = next_page(plan, min(page, len(plan.pages)), answers)
    if following is not None or action != "send":
        return _answer_page(plan, form, following or len(plan.pages) + 1, answers)
    try:
        service.submit_response(plan, answers, code)
    except service.SurveyError as error:
        if error.field == "code":
            return _answer_page(plan, form, page, answers, code_error=str(error))
        if service.availability(service.get_survey(slug) or survey) != "open":
            return render_template("surveys/unavailable.html", survey=survey, availability="closed",
                                   posted=True)
        return _answer_page(plan, form, 1, answers, general_error=str(error))
    kiosk.submission_done()
    return render_template("surveys/thanks.html", survey=survey)


def _answer_page(plan: Plan, form: AnswerForm, page: int, answers: Answers,
                 errors: dict[int, list[str]] | None = None, code_error: str | None = None,
                 general_error: str | None = None):
    """One page of a survey: its questions as fields, every other answer carried hidden."""
    errors = errors or {}
    values: dict[str, list[str]] = {}
    for name, value in answers.fields(plan):
        values.setdefault(name, []).append(value)
    if request.method == "POST":
        # a refused answer comes back as it was typed, never lost
        for number in errors:
            question = plan.by_number(number)
            values[question.name] = request.form.getlist(question.name)
            values[question.other_name] = request.form.getlist(question.other_name)
    confirm = page > len(plan.pages)
    shown = [] if confirm else [q for q in plan.pages[page - 1] if applies(q, answers) or q.number in errors]
    on_page = {name for q in shown for name in (q.name, q.other_name)}
    carried = [(name, value) for name, items in values.items() if name not in on_page for value in items]
    code = codes.tidy(form.code.data or "") if form.code.data else ""
    intro = in_reader_language(plan.survey.intro_en, plan.survey.intro_es)
    return render_template(
        "surveys/answer.html", survey=plan.survey, plan=plan, page=page, questions=shown,
        values=values, errors=errors, carried=carried, form=form, code=code, code_error=code_error,
        show_code=plan.survey.uses_codes and (page == 1 or bool(code_error)),
        general_error=general_error, confirm=confirm,
        last=confirm or may_be_last(plan, page), first=page == 1 and not confirm,
        intro=intro, intro_html=render_published_markdown(intro.text))


@bp.route("/surveys/<slug>/results")
@public
def public_results(slug: str):
    """Results the organisation has published: counts with small ones hidden, never anyone's words."""
    survey = _survey_or_404(slug)
    if survey.results_published_on is None or survey.state == "draft":
        abort(404)
    plan = load_plan(survey)
    return render_template("surveys/public_results.html", survey=survey,
                           results=survey_results.survey_results(plan))


# --- staff: building -------------------------------------------------------------------------

@bp.route("/staff/surveys")
@staff_required
def staff_list():
    """Every survey with its state and number of responses."""
    return render_template("surveys/staff_list.html", surveys=service.all_surveys(),
                           counts=service.response_counts())


def _survey_text(form: SurveyForm) -> service.SurveyText:
    """What the settings form says, for the service."""
    return service.SurveyText(
        slug=(form.slug.data or "").strip(), title_en=(form.title_en.data or "").strip(),
        title_es=(form.title_es.data or "").strip(), intro_en=form.intro_en.data or "",
        intro_es=form.intro_es.data or "", opens_on=form.opens_on.data, closes_on=form.closes_on.data,
        uses_codes=bool(form.uses_codes.data))


def _attach(form, error: service.SurveyError, fallback: str) -> None:
    """Show a refusal from the service next to the field it concerns."""
    name = error.field if error.field in form else fallback
    form[name].errors = [*form[name].errors, str(error)]


@bp.route("/staff/surveys/new", methods=["GET", "POST"])
@staff_required
def staff_new():
    """Start a draft survey."""
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            survey = service.create_survey(g.user, _survey_text(form))
        except service.SurveyError as error:
            _attach(form, error, "slug")
        else:
            flash(_("Survey created as a draft. Add its questions."), "success")
            return redirect(url_for("surveys.staff_survey", slug=survey.slug))
    return render_template("surveys/staff_new.html", form=form)


def _builder(survey: Survey, settings: SurveyForm | None = None, status: int = 200):
    """The builder page: settings, questions and what can be done with them."""
    plan = load_plan(survey)
    settings = settings or SurveyForm(formdata=None, obj=survey)
    made, used = service.code_counts(survey)
    return render_template(
        "surveys/staff_survey.html", survey=survey, plan=plan, settings=settings,
        locked=service.is_locked(survey), responses=service.response_count(survey),
        codes_made=made, codes_used=used, action_form=ActionForm(formdata=None),
        address=_address(survey)), status


def _address(survey: Survey) -> str:
    """The survey's short address, as printed."""
    from flask import current_app

    return f"{current_app.config['BASE_URL']}{url_for('surveys.answer', slug=survey.slug)}"


@bp.route("/staff/surveys/<slug>")
@staff_required
def staff_survey(slug: str):
    """A survey's builder."""
    return _builder(_survey_or_404(slug))


@bp.route("/staff/surveys/<slug>/settings", methods=["POST"])
@staff_required
def staff_settings(slug: str):
    """Save the title, introduction, short name, dates and codes setting."""
    survey = _survey_or_404(slug)
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            service.update_survey(g.user, survey, _survey_text(form))
        except service.SurveyError as error:
            _attach(form, error, "slug")
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("surveys.staff_survey", slug=survey.slug))
    return _builder(survey, settings=form)


def _refusal(error: service.SurveyError) -> None:
    flash(str(error), "error")


@bp.route("/staff/surveys/<slug>/state", methods=["POST"])
@staff_required
def staff_state(slug: str):
    """Open, close, reopen or take back to draft."""
    survey = _survey_or_404(slug)
    form = StateForm()
    if form.validate_on_submit():
        try:
            service.set_state(g.user, survey, form.state.data)
        except service.SurveyError as error:
            _refusal(error)
        else:
            flash(_("The survey is now: %(state)s.", state=STATES.label(survey.state)), "success")
    else:
        flash(_("Choose open, closed or draft."), "error")
    return redirect(url_for("surveys.staff_survey", slug=survey.slug))


@bp.route("/staff/surveys/<slug>/publish", methods=["POST"])
@staff_required
def staff_publish(slug: str):
    """Publish the results page, or take it down."""
    survey = _survey_or_404(slug)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            service.set_results_published(g.user, survey, form.publish.data == "yes")
        except service.SurveyError as error:
            _refusal(error)
        else:
            flash(_("The results are public at %(path)s.", path=url_for("surveys.public_results",
                                                                      slug=survey.slug))
                  if survey.results_published_on else _("The results are no longer public."), "success")
    else:
        flash(_("Use one of the buttons on the page."), "error")
    return redirect(url_for("surveys.staff_survey", slug=survey.slug))


@bp.route("/staff/surveys/<slug>/delete", methods=["POST"])
@staff_required
def staff_delete(slug: str):
    """Delete a draft nobody has answered."""
    survey = _survey_or_404(slug)
    if ActionForm().validate_on_submit():
        try:
            service.delete_survey(g.user, survey)
        except service.SurveyError as error:
            _refusal(error)
        else:
            flash(_("The draft was deleted."), "success")
            return redirect(url_for("surveys.staff_list"))
    return redirect(url_for("surveys.staff_survey", slug=survey.slug))


def _question_or_404(survey: Survey, number: int) -> SurveyQuestion:
    """The survey's question with this number, or a 404 page."""
    question = service.get_question(survey, number)
    if question is None:
        abort(404)
    return question


def _question_text(form: QuestionForm) -> service.QuestionText:
    """What the question form says, for the service."""
    return service.QuestionText(
        kind=form.kind.data, text_en=form.text_en.data or "", text_es=form.text_es.data or "",
        choices_en=(form.choices_en.data or "").split("\n"),
        choices_es=(form.choices_es.data or "").split("\n"), allow_other=bool(form.allow_other.data),
        low_label_en=form.low_label_en.data or "", low_label_es=form.low_label_es.data or "",
        high_label_en=form.high_label_en.data or "", high_label_es=form.high_label_es.data or "",
        condition_choice_id=int(form.condition.data) if form.condition.data else None)


def _condition_choices(survey: Survey, position: int | None) -> list[SelectChoice]:
    return [SelectChoice("", _("Always")), *[SelectChoice(str(choice_id), text) for choice_id, text
                                              in service.condition_options(survey, position)]]


@bp.route("/staff/surveys/<slug>/questions/new", methods=["GET", "POST"])
@staff_required
def staff_question_new(slug: str):
    """Add a question at the end."""
    survey = _survey_or_404(slug)
    form = QuestionForm()
    form.condition.choices = _condition_choices(survey, None)
    if form.validate_on_submit():
        try:
            question = service.add_question(g.user, survey, _question_text(form))
        except service.SurveyError as error:
            _attach(form, error, "text_en")
        else:
            flash(_("Question %(n)d added.", n=question.number), "success")
            return redirect(url_for("surveys.staff_survey", slug=survey.slug, _anchor=f"q{question.number}"))
    return render_template("surveys/staff_question.html", survey=survey, form=form, question=None,
                           locked=service.is_locked(survey))


@bp.route("/staff/surveys/<slug>/questions/<id:number>", methods=["GET", "POST"])
@staff_required
def staff_question_edit(slug: str, number: int):
    """Change a question of a draft nobody has answered."""
    survey = _survey_or_404(slug)
    question = _question_or_404(survey, number)
    locked = service.is_locked(survey)
    if request.method == "GET":
        form = QuestionForm(formdata=None, **_question_values(question))
    else:
        form = QuestionForm()
    form.condition.choices = _condition_choices(survey, question.position)
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.edit_question(g.user, survey, question, _question_text(form))
        except service.SurveyError as error:
            _attach(form, error, "text_en")
        else:
            flash(_("Question %(n)d saved.", n=question.number), "success")
            return redirect(url_for("surveys.staff_survey", slug=survey.slug, _anchor=f"q{number}"))
    return render_template("surveys/staff_question.html", survey=survey, form=form, question=question,
                           locked=locked)


def _question_values(question: SurveyQuestion) -> dict:
    """A stored question as the form's starting values."""
    choices = [c for c in question.choices.order_by(SurveyChoice.position) if c.key.isdigit()]
    values = {name: getattr(question, name) for name in (
        "kind", "text_en", "text_es", "allow_other", "low_label_en", "low_label_es",
        "high_label_en", "high_label_es")}
    if question.kind in ("single", "multiple"):
        values["choices_en"] = "\n".join(c.label_en for c in choices if c.label_en)
        values["choices_es"] = "\n".join(c.label_es for c in choices if c.label_es)
    values["condition"] = str(question.condition_choice_id or "")
    return values


@bp.route("/staff/surveys/<slug>/questions/<id:number>/move", methods=["POST"])
@staff_required
def staff_question_move(slug: str, number: int):
    """Move a question up or down."""
    survey = _survey_or_404(slug)
    question = _question_or_404(survey, number)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            service.move_question(g.user, survey, question, form.direction.data)
        except service.SurveyError as error:
            _refusal(error)
    else:
        flash(_("Use one of the buttons on the page."), "error")
    return redirect(url_for("surveys.staff_survey", slug=survey.slug, _anchor=f"q{number}"))


@bp.route("/staff/surveys/<slug>/questions/<id:number>/remove", methods=["POST"])
@staff_required
def staff_question_remove(slug: str, number: int):
    """Remove a question from a draft nobody has answered."""
    survey = _survey_or_404(slug)
    question = _question_or_404(survey, number)
    if ActionForm().validate_on_submit():
        try:
            service.remove_question(g.user, survey, question)
        except service.SurveyError as error:
            _refusal(error)
        else:
            flash(_("Question %(n)d removed.", n=number), "success")
    return redirect(url_for("surveys.staff_survey", slug=survey.slug))


@bp.route("/staff/surveys/<slug>/questions/<id:number>/visibility", methods=["POST"])
@staff_required
def staff_question_visibility(slug: str, number: int):
    """Hide a question from people answering, or show it again."""
    survey = _survey_or_404(slug)
    question = _question_or_404(survey, number)
    form = VisibilityForm()
    if form.validate_on_submit():
        try:
            service.set_question_hidden(g.user, survey, question, form.visibility.data == "hide")
        except service.SurveyError as error:
            _refusal(error)
        else:
            flash(_("Question %(n)d is hidden.", n=number) if question.hidden
                  else _("Question %(n)d is shown again.", n=number), "success")
    else:
        flash(_("Use one of the buttons on the page."), "error")
    return redirect(url_for("surveys.staff_survey", slug=survey.slug, _anchor=f"q{number}"))


# --- staff: results, exports and codes ------------------------------------------------------------

def _answer_options(plan: Plan) -> list[tuple[str, str]]:
    """Every answer of every list question, for the filter."""
    return [SelectChoice(f"{q.number}:{c.key}", f"Q{q.number} {q.text.text} → {c.label.text}")
            for q in plan.questions if q.is_choice for c in q.choices]


def _list_questions(plan: Plan) -> list[SelectChoice]:
    """Every list question, for the cross-tab."""
    return [SelectChoice(str(q.number), f"Q{q.number} {q.text.text}") for q in plan.questions if q.is_choice]


def _parse_filter(raw: str | None) -> tuple[int, str] | None:
    match = re.match(r"^(\d{1,4}):([a-z0-9]{1,8})$", raw or "")
    return (int(match.group(1)), match.group(2)) if match else None


@bp.route("/staff/surveys/<slug>/results")
@staff_required
def staff_results(slug: str):
    """Counts, shares, averages and a first look at the words, optionally for one group only."""
    survey = _survey_or_404(slug)
    plan = load_plan(survey)
    filters = FilterForm(request.args)
    filters.answer.choices = [SelectChoice("", _("Everyone")), *_answer_options(plan)]
    crosstab = CrossTabForm(formdata=None)
    list_questions = _list_questions(plan)
    crosstab.rows.choices = crosstab.cols.choices = list_questions
    if len(list_questions) > 1:
        crosstab.cols.data = list_questions[1].value
    results = survey_results.survey_results(plan, _parse_filter(filters.answer.data), with_texts=True)
    return render_template("surveys/staff_results.html", survey=survey, results=results,
                           filters=filters, crosstab=crosstab, filtered=bool(filters.answer.data))


@bp.route("/staff/surveys/<slug>/crosstab")
@staff_required
def staff_crosstab(slug: str):
    """Two list questions against each other."""
    survey = _survey_or_404(slug)
    plan = load_plan(survey)
    form = CrossTabForm(request.args)
    form.rows.choices = form.cols.choices = _list_questions(plan)
    table, problem = None, None
    try:
        rows, cols = int(form.rows.data or 0), int(form.cols.data or 0)
    except ValueError:
        rows = cols = 0
    if rows and cols:
        table = survey_results.cross_tab(plan, rows, cols)
        if table is None:
            problem = _("Choose two different questions that have answers to choose from.")
    return render_template("surveys/staff_crosstab.html", survey=survey, form=form, table=table,
                           problem=problem)


@bp.route("/staff/surveys/<slug>/questions/<id:number>/answers")
@staff_required
def staff_text_answers(slug: str, number: int):
    """Every answer in people's own words to one question, in random order, fifty a page."""
    survey = _survey_or_404(slug)
    plan = load_plan(survey)
    question = plan.by_number(number)
    if question is None or not (question.is_text or question.allow_other):
        abort(404)
    match = CURSOR.match(request.args.get("after", ""))
    after = (int(match.group(1)), int(match.group(2))) if match else None
    texts, following = survey_results.text_answers(question, after)
    return render_template("surveys/staff_text_answers.html", survey=survey, question=question,
                           texts=texts, following=f"{following[0]}.{following[1]}" if following else None,
                           paged=after is not None)


@bp.route("/staff/surveys/<slug>/responses.csv", methods=["POST"])
@staff_required
def staff_export_responses(slug: str):
    """Every response, one a row, with the words opened (streamed a batch at a time); a button,
    not a link, since opening everyone's words is recorded in the audit trail."""
    survey = _survey_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    plan = load_plan(survey)
    with write_transaction():
        record(g.user, "surveys.export", survey.id)
    return csv_response(f"survey-{survey.slug}-responses-{today().isoformat()}.csv",
                        survey_results.responses_header(plan), survey_results.responses_rows(plan))


@bp.route("/staff/surveys/<slug>/results.csv")
@staff_required
def staff_export_results(slug: str):
    """The results table, small counts hidden as on the page."""
    survey = _survey_or_404(slug)
    results = survey_results.survey_results(load_plan(survey))
    return csv_response(f"survey-{survey.slug}-results-{today().isoformat()}.csv",
                        survey_results.aggregate_header(), survey_results.aggregate_rows(results))


@bp.route("/staff/surveys/<slug>/codes", methods=["GET", "POST"])
@staff_required
def staff_codes(slug: str):
    """Make a printable sheet of one-use codes (shown once, never stored)."""
    survey = _survey_or_404(slug)
    form = CodesForm()
    if form.validate_on_submit():
        try:
            made = service.create_codes(g.user, survey, form.count.data)
        except service.SurveyError as error:
            _attach(form, error, "count")
        else:
            address = _address(survey)
            return render_template("surveys/staff_code_sheet.html", survey=survey, codes=made,
                                   address=address, qr=_qr_svg(address) if form.qr.data else None)
    made, used = service.code_counts(survey)
    return render_template("surveys/staff_codes.html", survey=survey, form=form, codes_made=made,
                           codes_used=used)


def _qr_svg(address: str):
    """A QR code of the address as inline SVG, drawn on the server."""
    from portal.qr import qr_svg

    return qr_svg(address, _("QR code of the survey's address"))
