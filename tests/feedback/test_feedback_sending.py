"""What a client meets when sending: Back or Reload never sends twice, an expired form keeps what
was typed, forms stay out of the browser's memory, and a page says how to stay safe online."""
from __future__ import annotations

import datetime as dt
import re
import threading

from support.world import csrf_token, log_in, submit, text_of_class

from portal.db import db
from portal.feedback import service
from portal.feedback.models import FeedbackMessage, FeedbackThread, SentForm

TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def form_token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the form carries a one-time token"
    return found.group(1)


def count(query, model) -> int:
    return query(lambda: model.select().count())


def test_reloading_the_receipt_page_never_sends_the_feedback_twice(client, query):
    page = client.get("/feedback").get_data(as_text=True)
    data = {"message": "The kitchen closes too early.", "form_token": form_token(page)}
    first = submit(client, "/feedback", data)
    receipt = text_of_class(first.get_data(as_text=True), "receipt")
    assert receipt
    # Reload on the receipt sends the same form again
    again = submit(client, "/feedback", data)
    body = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "Already sent" in body
    assert text_of_class(body, "receipt") is None, "no second code is shown"
    assert count(query, FeedbackThread) == 1
    assert count(query, FeedbackMessage) == 1


def test_each_showing_of_the_form_carries_a_new_token(client):
    first = form_token(client.get("/feedback").get_data(as_text=True))
    second = form_token(client.get("/feedback").get_data(as_text=True))
    assert first != second
    assert len(first) >= 24


def test_two_presses_racing_make_one_thread(app, query):
    token = form_token(app.test_client().get("/feedback").get_data(as_text=True))
    results: list[str] = []
    barrier = threading.Barrier(2)

    def send():
        with app.test_request_context("/"), db.connection_context():
            barrier.wait()
            try:
                service.submit_feedback("Two presses of Send.", form_token=token)
                results.append("sent")
            except service.AlreadySent:
                results.append("already")

    workers = [threading.Thread(target=send) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == ["already", "sent"]
    assert count(query, FeedbackThread) == 1


def test_a_repeated_follow_up_is_added_once(client, query):
    page = client.get("/feedback").get_data(as_text=True)
    sent = submit(client, "/feedback", {"message": "First words.", "form_token": form_token(page)})
    receipt = text_of_class(sent.get_data(as_text=True), "receipt")
    thread_page = submit(client, "/feedback/status", {"receipt": receipt}).get_data(as_text=True)
    follow = {"receipt": receipt, "message": "And one more thing.", "form_token": form_token(thread_page)}
    assert submit(client, "/feedback/status", follow).status_code == 200
    again = submit(client, "/feedback/status", follow).get_data(as_text=True)
    assert "already added" in again
    assert count(query, FeedbackMessage) == 2


def test_a_failure_after_claiming_the_token_stores_nothing_and_frees_it(app, query, monkeypatch):
    """The token is claimed in the same transaction as the thread: if storing fails, neither stays."""
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "store_message", broken)
    with app.app_context(), db.connection_context():
        try:
            service.submit_feedback("Lost?", form_token="t" * 24)
        except RuntimeError:
            pass
    assert count(query, SentForm) == 0
    assert count(query, FeedbackThread) == 0
    monkeypatch.undo()
    with app.app_context(), db.connection_context():
        assert service.submit_feedback("Not lost.", form_token="t" * 24)


def test_sent_form_tokens_are_forgotten_after_two_days(app, query):
    with app.app_context(), db.connection_context():
        service.submit_feedback("Old.", form_token="a" * 24)
        service.submit_feedback("New.", form_token="b" * 24)
        SentForm.update(sent_on=dt.date.today() - dt.timedelta(days=3)).where(
            SentForm.token_hash == SentForm.select(SentForm.token_hash).limit(1)).execute()
        assert service.purge_sent_forms() == 1
    assert count(query, SentForm) == 1


def test_tokens_are_kept_only_as_keyed_hashes(app, query):
    with app.app_context(), db.connection_context():
        service.submit_feedback("Hello.", form_token="plain-token-value-123456")
    stored = query(lambda: [row.token_hash for row in SentForm.select()])
    assert stored and "plain-token-value-123456" not in stored[0]


def test_an_expired_form_comes_back_with_the_words_kept_and_a_fresh_token(csrf_app, csrf_query):
    client = csrf_app.test_client()
    page = client.get("/feedback").get_data(as_text=True)
    words = "I waited two hours & nobody <came>."
    response = client.post("/feedback", data={"message": words, "csrf_token": "expired",
                                              "form_token": form_token(page)})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This page was open for a long time, so it was not sent yet." in body
    assert "I waited two hours &amp; nobody &lt;came&gt;." in body, "the words come back"
    fresh = csrf_token(body)
    assert fresh and fresh != "expired"
    # sending again with the fresh token works, once
    sent = client.post("/feedback", data={"message": words, "csrf_token": fresh,
                                          "form_token": form_token(body)})
    assert text_of_class(sent.get_data(as_text=True), "receipt")
    assert csrf_query(lambda: FeedbackThread.select().count()) == 1


def test_an_expired_follow_up_comes_back_in_the_conversation(csrf_app):
    client = csrf_app.test_client()
    sent = submit(client, "/feedback", {"message": "Hello."})
    receipt = text_of_class(sent.get_data(as_text=True), "receipt")
    response = client.post("/feedback/status", data={"receipt": receipt, "message": "Still waiting.",
                                                     "csrf_token": "old"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your conversation" in body and "Still waiting." in body


def test_an_expired_survey_page_keeps_the_answers(csrf_app):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "surveys"))
    from factories import make_survey

    with csrf_app.test_request_context("/"), db.connection_context():
        slug = make_survey("expiring").slug
    client = csrf_app.test_client()
    response = client.post(f"/surveys/{slug}", data={"page": "1", "q4": "More evening hours",
                                                      "csrf_token": "old"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This page was open for a long time" in body
    assert "More evening hours" in body


def test_forms_clients_fill_keep_text_out_of_the_browser_memory(client):
    for path in ("/feedback", "/feedback/status"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert 'autocomplete="off"' in response.get_data(as_text=True), path


def test_staying_safe_online_is_linked_from_every_public_page(client):
    for path in ("/", "/feedback", "/feedback/status", "/surveys", "/transparency"):
        assert 'href="/safety"' in client.get(path).get_data(as_text=True), path
    page = client.get("/safety").get_data(as_text=True)
    assert "Private windows" in page
    assert "What we cannot prevent" in page


ROOM = {"REMOTE_ADDR": "203.0.113.40"}


def test_a_room_of_30_people_on_one_wi_fi_can_all_send_and_read(app, fresh_window):
    """Everyone in a drop-in centre shares one address: 30 people send feedback and come back
    with their codes (a few mistype first) within a minute, and none is turned away."""
    receipts = []
    for n in range(30):
        person = app.test_client()
        sent = person.post("/feedback", data={"message": f"Person {n} says hello."}, environ_base=ROOM)
        assert sent.status_code == 200, n
        receipts.append(text_of_class(sent.get_data(as_text=True), "receipt"))
    for n, receipt in enumerate(receipts):
        person = app.test_client()
        if n % 10 == 0:
            typo = person.post("/feedback/status", data={"receipt": "ABCD-EFGH-JKMN-PQRS"}, environ_base=ROOM)
            assert typo.status_code == 200
        opened = person.post("/feedback/status", data={"receipt": receipt.lower().replace("-", " ")},
                             environ_base=ROOM)
        assert opened.status_code == 200, n
        assert "Your conversation" in opened.get_data(as_text=True), n


def test_guessing_codes_from_one_address_still_meets_the_limit(app, fresh_window):
    guesser = app.test_client()
    answers = [guesser.post("/feedback/status", data={"receipt": f"ABCD-EFGH-JKMN-{n:04d}"},
                            environ_base=ROOM).status_code for n in range(12)]
    assert answers[:10] == [200] * 10
    assert answers[10:] == [429, 429]


# --- the receipt, the conversation's status, kiosk mode -------------------------------------

def test_the_receipt_downloads_as_a_text_file_with_only_the_code(client):
    receipt = text_of_class(submit(client, "/feedback", {"message": "Hi."}).get_data(as_text=True), "receipt")
    response = submit(client, "/feedback/receipt.txt", {"receipt": receipt.lower()}, page="/feedback")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="code.txt"'
    text = response.get_data(as_text=True)
    assert f"Code: {receipt}" in text
    assert "Community Services" not in text and "message" not in text.lower()
    # anything but a code is refused, never echoed into a file
    refused = submit(client, "/feedback/receipt.txt", {"receipt": "=HYPERLINK(evil)"}, page="/feedback")
    assert refused.status_code == 400
    assert "HYPERLINK" not in refused.get_data(as_text=True)


def test_the_receipt_page_offers_copy_print_and_download(client):
    page = submit(client, "/feedback", {"message": "Hi."}).get_data(as_text=True)
    assert 'data-copy="receipt"' in page and "data-print" in page
    assert 'action="/feedback/receipt.txt"' in page
    # printed, only the code and how to use it
    assert 'class="no-print">Thank you. We have your message.' in page


def test_the_status_stays_true_after_a_follow_up(app, client, make_user):
    staff = make_user("staff")
    receipt = text_of_class(submit(client, "/feedback", {"message": "Hi."}).get_data(as_text=True), "receipt")
    team = app.test_client()
    log_in(team, staff)
    with app.app_context(), db.connection_context():
        public_id = FeedbackThread.select().get().public_id
    replied = submit(team, f"/staff/feedback/{public_id}/reply", {"message": "We will look into it."},
                     page=f"/staff/feedback/{public_id}")
    assert replied.status_code == 302
    submit(client, "/feedback/status", {"receipt": receipt, "message": "It happened again."})
    page = submit(client, "/feedback/status", {"receipt": receipt}).get_data(as_text=True)
    assert "Your new message has not been read yet." in page
    assert "Our team has not read it yet" not in page


def kiosk_client(app):
    device = app.test_client()
    submit(device, "/kiosk", {"mode": "on"})
    return device


def test_kiosk_mode_is_for_one_device_and_says_nothing_about_anyone(app, client):
    device = kiosk_client(app)
    assert device.get_cookie("portal_kiosk").value == "1"
    assert 'data-kiosk-idle="120"' in device.get("/").get_data(as_text=True)
    assert "data-kiosk-idle" not in client.get("/").get_data(as_text=True)
    submit(device, "/kiosk", {"mode": "off"})
    assert device.get_cookie("portal_kiosk") is None


def test_a_kiosk_clears_itself_after_a_submission_and_offers_no_print_or_download(app):
    device = kiosk_client(app)
    sent = submit(device, "/feedback", {"message": "From the tablet."})
    page = sent.get_data(as_text=True)
    assert text_of_class(page, "receipt")
    assert sent.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert device.get_cookie("session") is None, "the session is wiped for the next person"
    assert "receipt.txt" not in page and "data-print" not in page
    assert 'href="/kiosk/clear"' in page
    cleared = device.get("/kiosk/clear")
    assert cleared.status_code == 302 and cleared.headers["Clear-Site-Data"]
    assert device.get_cookie("portal_kiosk").value == "1", "the device stays a kiosk"


def test_a_kiosk_page_without_a_form_clears_itself_without_javascript(app):
    device = kiosk_client(app)
    assert 'http-equiv="refresh" content="120;url=/kiosk/clear"' in device.get("/").get_data(as_text=True)
    # a form being filled in never reloads under the person's hands
    assert 'http-equiv="refresh"' not in device.get("/feedback").get_data(as_text=True)


def test_a_bad_kiosk_choice_is_refused(client):
    assert submit(client, "/kiosk", {"mode": "always"}).status_code == 400
