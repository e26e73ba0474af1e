"""Anonymous feedback from the client's side: the form, the receipt, replies and follow-ups."""
from __future__ import annotations

import hashlib
import hmac
import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.config import portal_config
from support.database import all_rows, cells_containing
from support.sealing import message_texts
from support.world import log_in, make_account, submit, text_of_class

from portal import codes, create_app
from portal.db import db
from portal.feedback import receipts
from portal.feedback.models import FeedbackThread

RECEIPT_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def send(client, message: str = "The evening drop-in helps me a lot.", **fields) -> str:
    """Submit feedback as a browser would and return the receipt shown."""
    response = submit(client, "/feedback", {"message": message, **fields})
    assert response.status_code == 200
    receipt = text_of_class(response.get_data(as_text=True), "receipt")
    assert receipt, "no receipt on the page"
    return receipt


def threads(query) -> list[FeedbackThread]:
    return query(lambda: list(FeedbackThread.select().order_by(FeedbackThread.id)))


def bodies(query) -> list[str]:
    """What the stored messages say, opened with the organisation key (they are stored sealed)."""
    return query(message_texts)


# --- the form ---------------------------------------------------------------------------------

def test_form_labels_every_field_and_hides_the_honeypot(client):
    html = client.get("/feedback").get_data(as_text=True)
    for name in ("topic", "message", "quotable", "website"):
        assert f'for="{name}"' in html, name
    assert "<legend>How did we do?" in html
    for value, word in [("1", "Very badly"), ("3", "Okay"), ("5", "Very well")]:
        assert f'value="{value}"' in html and word in html
    for value in ("", "service", "staff", "space", "other"):
        assert f'<option value="{value}"' in html
    honeypot = html[html.index('class="website-field"'):]
    honeypot = honeypot[:honeypot.index("</div>")]
    assert 'aria-hidden="true"' in html[html.index('class="website-field"') - 60:][:120]
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    assert "<script" not in html.split("</head>", 1)[1] and " style=" not in html


def test_submission_answers_with_the_receipt_itself_never_a_redirect(csrf_app, csrf_query):
    query = csrf_query
    client = csrf_app.test_client()
    response = submit(client, "/feedback", {"message": "Thank you for the phone chargers.",
                                            "topic": "space", "rating": "5", "quotable": "y"})
    assert response.status_code == 200 and not response.location
    html = response.get_data(as_text=True)
    receipt = text_of_class(html, "receipt")
    assert RECEIPT_SHAPE.match(receipt)
    assert "Write this code down" in html and "nobody, not even our staff" in html
    assert receipt not in response.headers.get("Location", "")
    assert response.headers["Cache-Control"] == "no-store"
    [thread] = threads(query)
    assert (thread.topic, thread.rating, thread.quotable, thread.status) == ("space", 5, True, "new")
    assert bodies(query) == ["Thank you for the phone chargers."]


def test_every_question_but_the_message_is_optional(client, query):
    send(client, "Just a message.")
    [thread] = threads(query)
    assert (thread.topic, thread.rating, thread.quotable) == ("", None, False)


def test_database_keeps_only_a_keyed_hash_of_the_receipt(app, client, query):
    receipt = send(client)
    plain = codes.normalise(receipt)
    [thread] = threads(query)
    # worked out here, not by the portal's own function: HMAC-SHA256 under the secret key
    expected = hmac.new(app.config["SECRET_KEY"].encode(), b"feedback-receipt:" + plain.encode(),
                        hashlib.sha256).hexdigest()
    assert thread.receipt_hash == expected
    assert thread.receipt_hash != hashlib.sha256(plain.encode()).hexdigest()
    assert len(thread.receipt_hash) == 64 and plain not in thread.receipt_hash
    rows = query(lambda: all_rows(db))
    assert not cells_containing(rows, plain) and not cells_containing(rows, receipt)


def test_receipts_carry_80_random_bits_in_four_groups(monkeypatch):
    # every character comes from the secrets module (a `random` generator would not be seen here)
    drawn = []
    real_choice = codes.secrets.choice

    def watched(alphabet):
        drawn.append(alphabet)
        return real_choice(alphabet)

    monkeypatch.setattr(codes.secrets, "choice", watched)
    made = {receipts.new_receipt() for _ in range(2000)}
    assert len(drawn) == 2000 * 16 and set(drawn) == {codes.ALPHABET}
    assert len(made) == 2000
    assert all(len(code) == 16 and set(code) <= set(codes.ALPHABET) for code in made)
    assert len(codes.ALPHABET) == 32 and not set("ILOU") & set(codes.ALPHABET)
    # every character of the alphabet turns up, in every position's worth of samples
    assert set("".join(made)) == set(codes.ALPHABET)
    assert RECEIPT_SHAPE.match(codes.format_code("7KQM3WXD9TPRHF2C"))


@settings(max_examples=200, deadline=None)
@given(code=st.text(alphabet=codes.ALPHABET, min_size=16, max_size=16),
       spacing=st.lists(st.sampled_from(["", " ", "-", "  ", "\t", " - ", "\u2013"]), min_size=17,
                        max_size=17),
       lower=st.lists(st.booleans(), min_size=16, max_size=16),
       lookalike=st.lists(st.booleans(), min_size=16, max_size=16))
def test_any_spacing_case_and_lookalike_letter_reads_the_same_receipt(code, spacing, lower, lookalike):
    typed = spacing[0]
    for i, char in enumerate(code):
        if lookalike[i] and char in "01":
            char = {"0": "O", "1": "I" if i % 2 else "L"}[char]
        typed += (char.lower() if lower[i] else char) + spacing[i + 1]
    assert codes.normalise(typed) == code


def test_full_width_characters_from_phone_keyboards_read_the_same_receipt():
    assert codes.normalise("７ｋｑｍ－３ＷＸＤ ９TPR hf2c") == "7KQM3WXD9TPRHF2C"


# --- the round trip ---------------------------------------------------------------------------

def test_round_trip_submit_reply_read_with_other_formatting_and_follow_up(csrf_app, csrf_query):
    query = csrf_query
    anonymous = csrf_app.test_client()
    receipt = send(anonymous, "The waiting room has no quiet corner.", topic="space")

    staff_user = make_account(csrf_app, "staff", "rosa")
    staff = csrf_app.test_client()
    log_in(staff, staff_user)
    [thread] = threads(query)
    reply = submit(staff, f"/staff/feedback/{thread.public_id}/reply",
                   {"message": "Thank you. The side room is now a quiet room."},
                   page=f"/staff/feedback/{thread.public_id}")
    assert reply.status_code == 302

    # typed in small letters, with spaces instead of dashes
    retyped = receipt.lower().replace("-", "  ")
    page = submit(anonymous, "/feedback/status", {"receipt": retyped})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The waiting room has no quiet corner." in html
    assert "Thank you. The side room is now a quiet room." in html
    assert "Our team has replied" in html
    assert "rosa" not in html  # staff names stay on the staff side
    assert f'name="receipt" type="hidden" value="{receipt}"' in html

    follow = submit(anonymous, "/feedback/status", {"receipt": receipt, "message": "It helps, thanks."},
                    page="/feedback")
    assert follow.status_code == 200
    assert "Your message was added" in follow.get_data(as_text=True)
    assert bodies(query) == ["The waiting room has no quiet corner.",
                             "Thank you. The side room is now a quiet room.", "It helps, thanks."]
    [thread] = threads(query)
    assert thread.status == "new"  # back in the staff's new pile
    staff_page = staff.get(f"/staff/feedback/{thread.public_id}").get_data(as_text=True)
    assert "It helps, thanks." in staff_page and "rosa" in staff_page


def test_follow_up_problems_keep_the_conversation_and_the_words(client, query):
    receipt = send(client, "First words.")
    response = client.post("/feedback/status", data={"receipt": receipt, "message": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "First words." in html and "Please write a message." in html
    too_long = "x" * 5001
    response = client.post("/feedback/status", data={"receipt": receipt, "message": too_long})
    html = response.get_data(as_text=True)
    assert "5000 characters or fewer" in html and too_long in html
    assert bodies(query) == ["First words."]


def approve_as_writer(client, receipt: str):
    """Approve the proposed quote the way the person does, from their conversation page."""
    html = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="(\w*)"', html)
    assert seen, "no proposal to approve on the page"
    return client.post("/feedback/status", data={"receipt": receipt, "seen": seen.group(1),
                                                 "approve_quote": "y"})


def test_a_client_can_take_back_permission_to_quote(client, query, auth, make_user):
    receipt = send(client, "Evening hours, please.", quotable="y")
    [thread] = threads(query)
    staff = make_user("staff")
    auth.login(staff)
    client.post(f"/staff/feedback/{thread.public_id}/propose",
                data={"language": "en", "quote": "Evening hours, please.", "action_taken": "Open until 8pm."})
    approve_as_writer(client, receipt)
    assert "Open until 8pm." in client.get("/feedback").get_data(as_text=True)
    page = client.post("/feedback/status", data={"receipt": receipt, "withdraw_quote": "y"})
    assert "We will not quote this message." in page.get_data(as_text=True)
    [thread] = threads(query)
    assert not thread.quotable and thread.public_quote is None and thread.published_on is None
    assert "Open until 8pm." not in client.get("/feedback").get_data(as_text=True)


# --- the honeypot and bad input ---------------------------------------------------------------

def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, query):
    response = client.post("/feedback", data={"message": "Buy cheap watches", "website": "http://spam.example"})
    assert response.status_code == 200
    assert RECEIPT_SHAPE.match(text_of_class(response.get_data(as_text=True), "receipt"))
    assert threads(query) == [] and bodies(query) == []


@pytest.mark.parametrize(("data", "says"), [
    ({"message": ""}, "Please write a message."),
    ({}, "Please write a message."),
    ({"message": " \r\n\t "}, "Please write a message."),
    ({"message": "x" * 5001}, "Please shorten this to 5000 characters or fewer (it has 5001)."),
    ({"message": "nul \x00 inside"}, "Remove the invisible control characters"),
    ({"message": "bell \x07 and escape \x1b[31m"}, "Remove the invisible control characters"),
    ({"message": "fine", "topic": "weather"}, "Not a valid choice"),
    ({"message": "fine", "rating": "6"}, "Not a valid choice"),
    ({"message": "fine", "rating": "-1"}, "Not a valid choice"),
    ({"message": "fine", "rating": " "}, "Not a valid choice"),
], ids=["empty", "missing", "blank", "too-long", "nul", "control", "topic", "rating", "negative", "space"])
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(client, query, data, says):
    response = client.post("/feedback", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert says in html and "error-summary" in html
    assert 'class="receipt"' not in html
    assert threads(query) == []


def test_binary_bytes_never_cause_a_server_error(client, query):
    body = b"message=" + bytes(range(256)) + b"&topic=%FF%FE&rating=%00"
    response = client.post("/feedback", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "error-summary" in response.get_data(as_text=True)
    assert threads(query) == []
    lookup = client.post("/feedback/status", data=b"receipt=%00%FF%FE" + bytes(range(1, 40)),
                         content_type="application/x-www-form-urlencoded")
    assert lookup.status_code == 200 and "could not find" in lookup.get_data(as_text=True)


def test_html_and_script_are_stored_as_typed_and_shown_inert(client, query, auth, make_user):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    receipt = send(client, payload, quotable="y")
    assert bodies(query) == [payload]
    page = client.post("/feedback/status", data={"receipt": receipt}).get_data(as_text=True)
    assert payload not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    auth.login(make_user("staff"))
    [thread] = threads(query)
    for path in ("/staff/feedback", f"/staff/feedback/{thread.public_id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;" in html
    client.post(f"/staff/feedback/{thread.public_id}/propose",
                data={"language": "en", "quote": payload, "action_taken": payload})
    approve_as_writer(client, receipt)
    public = client.get("/feedback").get_data(as_text=True)
    assert "<script>alert" not in public and public.count("&lt;script&gt;") == 2


def test_no_input_on_the_public_forms_causes_a_server_error(tmp_path):
    app = create_app(portal_config(tmp_path, RATELIMIT_ENABLED=False))
    client = app.test_client()

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(message=st.text(max_size=300), topic=st.text(string.printable, max_size=8),
           rating=st.text(max_size=3), receipt=st.text(max_size=40))
    def check(message, topic, rating, receipt):
        sent = client.post("/feedback", data={"message": message, "topic": topic, "rating": rating})
        looked = client.post("/feedback/status", data={"receipt": receipt, "message": message})
        assert sent.status_code == 200 and looked.status_code == 200

    check()
