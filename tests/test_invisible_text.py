"""Text that shows nothing is no message, and direction overrides never reorder what staff read."""
from __future__ import annotations

import pytest
from support.sealing import message_texts
from support.world import build_world, new_feedback_thread

from portal.feedback.models import FeedbackMessage, FeedbackThread
from portal.text import is_blank, reveal_bidi_controls

INVISIBLE = {
    "zero-width space": "\u200b",
    "several zero-width characters": "\u200b\u200c\u200d\u2060",
    "right-to-left override": "\u202e",
    "byte order mark": "\ufeff",
    "word joiner and spaces": " \u2060 \n ",
    "isolates": "\u2066\u2069",
    "hangul filler": "\u3164",
    "braille blank": "\u2800\u2800",
    "tag characters": "\U000e0041\U000e0042",
    "variation selector": "\ufe0f",
    "ideographic space": "\u3000",
}


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_text_of_invisible_characters_alone_is_blank(text):
    assert is_blank(text)


@pytest.mark.parametrize("text", ["a", "a\u200b", "\u200bhola", "\u202eabc", "مرحبا", "😀", "!"])
def test_text_with_anything_visible_is_not_blank(text):
    assert not is_blank(text)


def _stored(world) -> tuple[int, int]:
    return world.query(lambda: (FeedbackThread.select().count(), FeedbackMessage.select().count()))


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_every_feedback_text_field_refuses_invisible_text_as_empty(app, text):
    world = build_world(app, roles=("anonymous", "staff"))
    receipt, thread_id = new_feedback_thread(world, quotable="y")
    before = _stored(world)
    anonymous, staff = world.clients["anonymous"], world.clients["staff"]
    attempts = {
        "client message": anonymous.post("/feedback", data={"message": text}),
        "follow-up": anonymous.post("/feedback/status", data={"receipt": receipt, "message": text}),
        "staff reply": staff.post(f"/staff/feedback/{thread_id}/reply", data={"message": text}),
        "quote": staff.post(f"/staff/feedback/{thread_id}/propose",
                            data={"language": "en", "quote": text,
                                  "action_taken": "We changed the hours."}),
        "action taken": staff.post(f"/staff/feedback/{thread_id}/propose",
                                   data={"language": "en", "quote": "The hours.", "action_taken": text}),
    }
    for field, response in attempts.items():
        page = response.get_data(as_text=True)
        assert response.status_code == 200, field
        assert "Please write a message." in page or "Write" in page, field
    assert _stored(world) == before
    assert world.query(lambda: FeedbackThread.get(FeedbackThread.public_id == thread_id).published_on) is None
    assert world.query(lambda: FeedbackThread.get(FeedbackThread.public_id == thread_id).proposal) is None


def test_reveal_shows_each_override_and_isolate_as_its_code():
    text = "a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069"
    assert reveal_bidi_controls(text) == ("a[U+202A]b[U+202B]c[U+202C]d[U+202D]e[U+202E]f"
                                          "[U+2066]g[U+2067]h[U+2068]i[U+2069]")
    # right-to-left writing itself is left alone
    assert reveal_bidi_controls("שלום مرحبا") == "שלום مرحبا"


def test_staff_see_a_direction_override_instead_of_reordered_text(app):
    world = build_world(app, roles=("anonymous", "staff"))
    spoof = "Call me on 555\u202e1234 tomorrow"
    _, thread_id = new_feedback_thread(world, message=spoof, quotable="y")
    staff = world.clients["staff"]
    for path in (f"/staff/feedback/{thread_id}", "/staff/feedback"):
        page = staff.get(path).get_data(as_text=True)
        assert "\u202e" not in page, path
        assert "555[U+202E]1234" in page, path
    thread_page = staff.get(f"/staff/feedback/{thread_id}").get_data(as_text=True)
    assert 'dir="auto"' in thread_page
    # the stored words stay as the person typed them
    assert world.query(lambda: message_texts()) == [spoof]
