"""Quotes the person approves: staff propose, the person reads the exact text and says yes or no."""
from __future__ import annotations

import re

import pytest
from flask import g, session
from support.database import all_rows, cells_containing
from support.sealing import holding_the_key
from support.world import sign_in, submit, text_of_class

from portal.accounts.audit import AuditEntry
from portal.accounts.models import User
from portal.db import db
from portal.feedback import service
from portal.feedback.models import FeedbackThread

WORDS = "Maria at the desk asked for my ID in front of everyone."
QUOTE = "I was asked for ID in front of everyone."
ACTION = "Nobody is asked for ID in the waiting room any more."
QUOTE_ES = "Me pidieron la identificación delante de todos."
ACTION_ES = "Ya nadie pide la identificación en la sala de espera."


@pytest.fixture
def writer(app):
    """The person: a browser of their own, and the receipt of their quotable feedback."""
    browser = app.test_client()
    response = submit(browser, "/feedback", {"message": WORDS, "quotable": "y"})
    return browser, text_of_class(response.get_data(as_text=True), "receipt")


@pytest.fixture
def staff(app, make_user):
    user = make_user("staff", username="rosa")
    browser = app.test_client()
    sign_in(browser, user)
    return browser, user


def thread_of(query, receipt: str) -> FeedbackThread:
    return query(lambda: service.find_thread(receipt))


def conversation(writer) -> str:
    browser, receipt = writer
    return browser.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)


def answer(writer, choice: str, seen: str | None = None):
    browser, receipt = writer
    if seen is None:
        found = re.search(r'name="seen" type="hidden" value="(\w*)"', conversation(writer))
        seen = found.group(1) if found else ""
    return browser.post("/feedback/status", data={"receipt": receipt, "seen": seen, choice: "y"})


def propose(staff, thread: FeedbackThread, **fields):
    data = {"language": "en", "quote": QUOTE, "action_taken": ACTION, **fields}
    return staff[0].post(f"/staff/feedback/{thread.public_id}/propose", data=data)


def public_page(app, language: str = "en") -> str:
    return app.test_client().get(f"/feedback?lang={language}").get_data(as_text=True)


def audit_actions(query) -> list[str]:
    return sorted(query(lambda: [e.action for e in AuditEntry.select()]))


def test_the_proposal_form_starts_from_the_exact_words(writer, staff, query):
    thread = thread_of(query, writer[1])
    html = staff[0].get(f"/staff/feedback/{thread.public_id}").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="quote"[^>]*>\s*' + re.escape(WORDS), html)
    assert 'name="quote_translation"' in html and 'name="action_translation"' in html


def test_a_proposed_quote_is_not_public_and_the_person_sees_the_exact_text(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    assert propose(staff, thread, quote_translation=QUOTE_ES).status_code == 302
    assert QUOTE not in public_page(app) and QUOTE_ES not in public_page(app, "es")
    stored = thread_of(query, writer[1])
    assert stored.quote_state == "proposed" and stored.published_on is None
    assert stored.public_quote is None
    page = conversation(writer)
    assert QUOTE in page and ACTION in page and QUOTE_ES in page
    assert "Yes, publish this text" in page and "No, do not publish it" in page
    # sealed until published: the words are in no stored row as typed
    assert not query(lambda: cells_containing(all_rows(db), QUOTE))


def test_approving_publishes_the_exact_text_at_once(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread, quote_translation=QUOTE_ES, action_translation=ACTION_ES)
    page = answer(writer, "approve_quote").get_data(as_text=True)
    assert "Your words are now on our public" in page
    english, spanish = public_page(app), public_page(app, "es")
    assert QUOTE in english and ACTION in english and WORDS not in english
    assert QUOTE_ES in spanish and ACTION_ES in spanish and QUOTE not in spanish
    assert "Shown in the language it was written in." not in english
    stored = thread_of(query, writer[1])
    assert stored.quote_state == "approved" and stored.public_quote == QUOTE
    assert "feedback.approve" in audit_actions(query)


def test_without_a_translation_the_other_language_shows_the_original_with_a_note(app, writer, staff, query):
    propose(staff, thread_of(query, writer[1]))
    answer(writer, "approve_quote")
    spanish = public_page(app, "es")
    assert QUOTE in spanish and 'lang="en"' in spanish
    assert "Se muestra en el idioma en que se escribió." in spanish or \
        "Shown in the language it was written in." in spanish


def test_declining_keeps_it_off_the_public_page(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    page = answer(writer, "decline_quote").get_data(as_text=True)
    assert "We will not publish this text." in page
    assert QUOTE not in public_page(app)
    assert thread_of(query, writer[1]).quote_state == "declined"
    staff_page = staff[0].get(f"/staff/feedback/{thread.public_id}").get_data(as_text=True)
    assert "The person declined the text proposed." in staff_page
    # staff cannot publish what was declined: refused, no audit row, no success message
    refused = staff[0].post(f"/staff/feedback/{thread.public_id}/publish", follow_redirects=True)
    assert "has not approved a text" in refused.get_data(as_text=True)
    assert "Published on the" not in refused.get_data(as_text=True)
    assert "feedback.publish" not in audit_actions(query)
    assert QUOTE not in public_page(app)


def test_withdrawing_takes_it_off_at_once_and_permission_can_be_given_again(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    answer(writer, "approve_quote")
    assert QUOTE in public_page(app)
    browser, receipt = writer
    page = browser.post("/feedback/status", data={"receipt": receipt, "withdraw_quote": "y"})
    assert "We will not quote this message." in page.get_data(as_text=True)
    assert QUOTE not in public_page(app)
    stored = thread_of(query, writer[1])
    assert (stored.quotable, stored.public_quote, stored.published_on) == (False, None, None)
    # staff can neither publish nor propose any more
    staff[0].post(f"/staff/feedback/{thread.public_id}/publish")
    assert QUOTE not in public_page(app)
    assert propose(staff, thread).status_code == 302
    assert thread_of(query, writer[1]).quote_state == "withdrawn"
    # the person reads the same text again and gives permission again
    page = conversation(writer)
    assert QUOTE in page and "Yes, publish this text" in page
    answer(writer, "approve_quote")
    assert QUOTE in public_page(app)


def test_staff_cannot_publish_without_approval(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    before = audit_actions(query)
    response = staff[0].post(f"/staff/feedback/{thread.public_id}/publish", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "has not approved a text to publish" in html and "Published on the" not in html
    assert audit_actions(query) == before and QUOTE not in public_page(app)
    # nor through the service, whatever a view does
    user = query(lambda: User.get(User.username == "rosa"))
    with holding_the_key(app, user), pytest.raises(service.FeedbackError):
        query(lambda: service.publish(user, service.find_thread(writer[1])))
    assert audit_actions(query) == before
    assert thread_of(query, writer[1]).published_on is None


def test_an_approval_names_the_text_it_saw(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    seen = re.search(r'name="seen" type="hidden" value="(\w*)"', conversation(writer)).group(1)
    # staff change the text while the person reads the old one
    propose(staff, thread, quote="Another text entirely.")
    page = answer(writer, "approve_quote", seen=seen).get_data(as_text=True)
    assert "The text we proposed has changed." in page
    assert "Another text entirely." not in public_page(app)
    assert thread_of(query, writer[1]).quote_state == "proposed"


def test_a_new_proposal_takes_the_published_text_off_until_approved(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    answer(writer, "approve_quote")
    propose(staff, thread, quote="A shorter quote.")
    assert QUOTE not in public_page(app) and "A shorter quote." not in public_page(app)
    answer(writer, "approve_quote")
    assert "A shorter quote." in public_page(app)


def test_staff_may_take_an_approved_quote_off_and_put_it_back(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    answer(writer, "approve_quote")
    staff[0].post(f"/staff/feedback/{thread.public_id}/unpublish")
    assert QUOTE not in public_page(app)
    response = staff[0].post(f"/staff/feedback/{thread.public_id}/publish", follow_redirects=True)
    assert "Published on the" in response.get_data(as_text=True)
    assert QUOTE in public_page(app)


@pytest.mark.parametrize("data", [
    {"language": "fr"}, {"quote": ""}, {"action_taken": " "}, {"quote": "x" * 5001},
    {"quote_translation": "x" * 5001}, {"action_translation": "a\x07b"}])
def test_a_bad_proposal_is_a_form_error_and_stores_nothing(writer, staff, query, data):
    thread = thread_of(query, writer[1])
    response = propose(staff, thread, **data)
    assert response.status_code == 200 and 'class="error-summary"' in response.get_data(as_text=True)
    assert thread_of(query, writer[1]).proposal is None


def test_a_bad_answer_changes_nothing(app, writer, staff, query):
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    browser, receipt = writer
    for data in ({"approve_quote": "y", "seen": "x" * 100}, {"approve_quote": "y"},
                 {"approve_quote": "y", "seen": "nonsense"}, {"decline_quote": "y", "receipt": ""}):
        response = browser.post("/feedback/status", data={"receipt": receipt, **data})
        assert response.status_code == 200
    assert thread_of(query, writer[1]).quote_state == "proposed"
    assert QUOTE not in public_page(app)


def test_permission_taken_back_before_any_proposal_can_be_given_again(app, writer, staff, query):
    browser, receipt = writer
    browser.post("/feedback/status", data={"receipt": receipt, "withdraw_quote": "y"})
    thread = thread_of(query, receipt)
    assert not thread.quotable
    page = conversation(writer)
    assert "You may quote me again" in page
    browser.post("/feedback/status", data={"receipt": receipt, "allow_quote": "y"})
    assert thread_of(query, receipt).quotable
    # staff may propose again; nothing is public until the person approves
    assert propose(staff, thread).status_code == 302
    assert QUOTE not in public_page(app)
    answer(writer, "approve_quote")
    assert QUOTE in public_page(app)


def test_consent_withdrawn_while_staff_publish_is_respected_by_the_sql_guard(app, writer, staff, query):
    """Staff read the thread while the person agreed; the person took permission back before staff
    pressed Publish: the write itself checks consent, so nothing goes public."""
    thread = thread_of(query, writer[1])
    propose(staff, thread)
    answer(writer, "approve_quote")
    staff[0].post(f"/staff/feedback/{thread.public_id}/unpublish")
    stale = thread_of(query, writer[1])
    assert stale.quotable and stale.quote_state == "approved"
    query(lambda: FeedbackThread.update(quotable=False).where(FeedbackThread.id == stale.id).execute())
    # staff press Publish with the page they read: their session opens the proposal
    with staff[0].session_transaction() as stored:
        values = dict(stored)
    with app.test_request_context(), db.connection_context():
        session.update(values)
        g.user = User.get_by_id(values["uid"])
        try:
            service.publish(g.user, stale)
        except service.FeedbackError:
            pass
    assert QUOTE not in public_page(app)
    assert query(lambda: FeedbackThread.get_by_id(stale.id).published_on) is None


def test_the_service_itself_refuses_to_propose_words_the_person_did_not_allow(app, query):
    browser = app.test_client()
    sent = submit(browser, "/feedback", {"message": WORDS})
    receipt = text_of_class(sent.get_data(as_text=True), "receipt")
    thread = thread_of(query, receipt)
    with app.test_request_context(), db.connection_context():
        with pytest.raises(service.FeedbackError, match="did not agree to be quoted"):
            service.propose_quote(None, thread, service.Proposal(QUOTE, ACTION, "en"))
