"""A reply sent after the session ended idle comes back, filled in, after logging in again; it is
not sent, and nobody else who logs in on that browser sees it."""
from __future__ import annotations

import time

from support.world import PASSWORD, csrf_token, log_in, make_account, session_cookie_bytes, submit

from portal.db import db
from portal.feedback import service
from portal.feedback.models import FeedbackMessage, FeedbackThread

WORDS = "Thank you for waiting. We spoke with the night team & they will open at 8."


def thread_path(app) -> str:
    with app.test_request_context("/"), db.connection_context():
        service.submit_feedback("The door was locked at 8.")
        return f"/staff/feedback/{FeedbackThread.select().get().public_id}"


def go_idle(client, minutes: int = 31) -> None:
    with client.session_transaction() as stored:
        stored["seen"] = int(time.time()) - minutes * 60


def test_a_reply_sent_after_the_idle_timeout_comes_back_after_login(app):
    path = thread_path(app)
    staff = make_account(app, "staff", "marta")
    client = app.test_client()
    log_in(client, staff)
    page = client.get(path)
    assert page.status_code == 200
    go_idle(client)
    response = submit(client, path + "/reply", {"message": WORDS}, page=path)
    assert response.status_code == 302
    assert "/login?next=" + path.replace("/", "%2F") in response.location or \
        response.location.endswith("/login?next=" + path)
    login_page = client.get(response.location).get_data(as_text=True)
    assert "what you wrote is kept" in login_page
    with app.app_context(), db.connection_context():
        assert FeedbackMessage.select().count() == 1, "nothing was sent"
    back = client.post("/login", data={"username": "marta", "password": PASSWORD,
                                       "next": path})
    assert back.location.endswith(path)
    shown = client.get(path).get_data(as_text=True)
    assert "Thank you for waiting. We spoke with the night team &amp; they will open at 8." in shown
    # once: a second visit shows an empty box
    again = client.get(path).get_data(as_text=True)
    assert "We spoke with the night team" not in again


def test_someone_else_logging_in_on_that_browser_does_not_get_the_draft(app):
    path = thread_path(app)
    first = make_account(app, "staff", "marta")
    make_account(app, "staff", "ines")
    client = app.test_client()
    log_in(client, first)
    go_idle(client)
    submit(client, path + "/reply", {"message": WORDS}, page=path)
    client.post("/login", data={"username": "ines", "password": PASSWORD, "next": path})
    assert "We spoke with the night team" not in client.get(path).get_data(as_text=True)


def test_the_draft_is_not_readable_in_the_cookie(app):
    path = thread_path(app)
    client = app.test_client()
    log_in(client, make_account(app, "staff", "marta"))
    go_idle(client)
    submit(client, path + "/reply", {"message": WORDS}, page=path)
    held = session_cookie_bytes(client)
    assert b'"draft"' in held, "the draft is in the session"
    assert b"night team" not in held


def test_a_post_without_any_session_is_still_refused(app):
    path = thread_path(app)
    response = app.test_client().post(path + "/reply", data={"message": WORDS})
    assert response.status_code == 403


def test_with_csrf_on_the_draft_survives_the_token_check_and_the_login(csrf_app):
    app = csrf_app
    path = thread_path(app)
    client = app.test_client()
    log_in(client, make_account(app, "staff", "marta"))
    # the page was open before the person stepped away: its form holds its token
    token = csrf_token(client.get(path).get_data(as_text=True))
    go_idle(client)
    response = client.post(path + "/reply", data={"message": WORDS, "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.location
    back = submit(client, "/login", {"username": "marta", "password": PASSWORD, "next": path})
    assert back.location.endswith(path)
    assert "We spoke with the night team" in client.get(path).get_data(as_text=True)
