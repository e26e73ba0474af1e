"""One-use survey codes: printed on slips, kept only as keyed hashes, each answering once."""
from __future__ import annotations

import re
import threading

import pytest
from factories import make_survey

from portal.db import db
from portal.surveys import service
from portal.surveys.models import Survey, SurveyCode, SurveyResponse
from portal.surveys.plan import Answers, load_plan

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def staff(client, auth, make_user):
    auth.login(make_user("staff"))
    return client


@pytest.fixture
def coded(app):
    with app.test_request_context("/"), db.connection_context():
        return make_survey("coded", uses_codes=True).slug


def sheet(staff, slug: str, count: int = 3, qr: bool = True) -> tuple[str, list[str]]:
    data = {"count": str(count)} | ({"qr": "y"} if qr else {})
    html = staff.post(f"/staff/surveys/{slug}/codes", data=data).get_data(as_text=True)
    return html, CODE.findall(html.split('<ul class="slips">')[1]) if 'class="slips"' in html else []


def test_a_sheet_of_slips_shows_codes_once_and_keeps_only_their_hashes(staff, coded, query):
    html, codes = sheet(staff, coded, 3)
    assert len(set(codes)) == 3
    assert html.count('class="slip"') == 3
    assert "http://localhost/surveys/coded" in html
    assert html.count('<svg role="img" aria-label="QR code of the survey') == 3
    stored = query(lambda: [(c.code_hash, c.used) for c in SurveyCode.select()])
    assert len(stored) == 3 and all(len(h) == 64 and not used for h, used in stored)
    for code in codes:
        assert not [h for h, _ in stored if code in h or code.replace("-", "") in h]
    without_qr, _ = sheet(staff, coded, 1, qr=False)
    assert "<svg" not in without_qr.split("<main")[1]


def answer(client, slug: str, code: str, q1: str = "1"):
    return client.post(f"/surveys/{slug}", data={"page": "1", "send": "", "code": code, "q1": q1})


def test_each_code_answers_once(staff, coded, query, app):
    _, (code, *_) = sheet(staff, coded, 2)
    visitor = app.test_client()
    assert 'id="code"' in visitor.get(f"/surveys/{coded}").get_data(as_text=True)
    # typed in lower case without dashes: still the same code
    typed = code.lower().replace("-", "")
    assert "Your answers were sent" in answer(visitor, coded, typed).get_data(as_text=True)
    again = answer(visitor, coded, code).get_data(as_text=True)
    assert "has already been used" in again and 'value="1" checked' in again
    assert query(lambda: SurveyResponse.select().count()) == 1
    assert query(lambda: SurveyCode.select().where(SurveyCode.used == True).count()) == 1  # noqa: E712


@pytest.mark.parametrize("typed", ["", "0000-0000-0000", "not a code at all", "x" * 300])
def test_a_missing_or_wrong_code_is_answered_clearly_and_keeps_nothing(app, coded, query, typed):
    html = answer(app.test_client(), coded, typed).get_data(as_text=True)
    assert "error-summary" in html
    expected = "does not work for this survey" if typed else "Enter the code from your slip."
    assert expected in html
    assert query(lambda: SurveyResponse.select().count()) == 0


def test_a_code_of_another_survey_does_not_work(staff, app, coded):
    with app.test_request_context("/"), db.connection_context():
        make_survey("other", uses_codes=True)
    _, (code, *_) = sheet(staff, "other", 1)
    assert "does not work for this survey" in answer(app.test_client(), coded, code).get_data(as_text=True)


def test_two_people_sending_the_same_code_at_once_store_one_response(staff, coded, app, query):
    _, (code, *_) = sheet(staff, coded, 1)
    with app.test_request_context("/"), db.connection_context():
        plan = load_plan(Survey.by_slug(coded))
    barrier = threading.Barrier(4)
    outcomes = []

    def send():
        with app.test_request_context("/"), db.connection_context():
            barrier.wait()
            try:
                service.submit_response(plan, Answers({1: ["1"]}), code)
                outcomes.append("stored")
            except service.SurveyError:
                outcomes.append("refused")

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert query(lambda: SurveyResponse.select().count()) == 1


def test_codes_are_only_made_for_a_survey_that_asks_for_them(staff, app, query):
    with app.test_request_context("/"), db.connection_context():
        make_survey("open-to-all")
    html = staff.post("/staff/surveys/open-to-all/codes", data={"count": "5"}).get_data(as_text=True)
    assert "Turn on “Answering needs a code”" in html
    assert query(lambda: SurveyCode.select().count()) == 0
    # and a survey without codes is answered without one
    assert "Your answers were sent" in answer(app.test_client(), "open-to-all", "").get_data(as_text=True)


@pytest.mark.parametrize("count", ["0", "501", "many", ""])
def test_a_bad_number_of_codes_is_refused(staff, coded, query, count):
    html = staff.post(f"/staff/surveys/{coded}/codes", data={"count": count}).get_data(as_text=True)
    assert "error-summary" in html
    assert query(lambda: SurveyCode.select().count()) == 0
