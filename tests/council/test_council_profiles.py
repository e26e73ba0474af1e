"""A member's self-description: each field is shown exactly to whom the member chose, and only
the member fills and edits it."""
from __future__ import annotations

import pytest
from council_factories import (
    add_member,
    give_access,
    member_client,
    member_of,
    profile_data,
    staff_client,
)

from portal.council.categories import CATEGORIES
from portal.council.models import Member, ProfileEntry
from portal.db import db

# a value for each field, and the words each shows on a page
TEXTS = {"pronouns": "ze/zir-pronoun", "languages": "Tagalog and Ilocano",
         "about": "I organise the night-shift workers"}
CATEGORY_ANSWERS = {"lived": ("both", "Both labour and sex trafficking"),
                    "sex_trade": ("consensual", "By choice"),
                    "race": ("pacific", "Pacific Islander"),
                    "gender": ("two_spirit", "Two-spirit"),
                    "immigration": ("survivor_visa", "Status through a survivor visa or similar"),
                    "disability": ("yes", "Disabled or living with a disability"),
                    "age": ("65_up", "65 or older")}
FIELDS = [*TEXTS, *(c.key for c in CATEGORIES)]
LEVELS = ("public", "council", "me")
# who sees a field at each level
SEES = {"public": {"anonymous", "staff", "admin", "other_member", "self"},
        "council": {"staff", "admin", "other_member", "self"},
        "me": {"self"}}


def _fill(field: str, level: str) -> dict:
    if field in TEXTS:
        return {f"text_{field}": TEXTS[field], f"vis_{field}": level}
    return {f"cat_{field}": CATEGORY_ANSWERS[field][0], f"vis_{field}": level}


def _shown(field: str) -> str:
    return TEXTS[field] if field in TEXTS else CATEGORY_ANSWERS[field][1]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("field", FIELDS)
def test_each_field_is_shown_exactly_to_whom_the_member_chose(app, field, level):
    owner = add_member(app, name="Marisol")
    other = add_member(app, name="Kai")
    owner_browser = member_client(app, owner)
    other_browser = member_client(app, other)
    saved = owner_browser.post("/council/profile", data=profile_data("Marisol", name_public="y",
                                                                      **_fill(field, level)))
    assert saved.status_code == 302
    give_access(app)
    public_id = member_of(app, owner).public_id
    pages = {
        "anonymous": app.test_client().get("/council"),
        "staff": staff_client(app).get(f"/staff/council/members/{public_id}"),
        "admin": staff_client(app, "admin").get(f"/staff/council/members/{public_id}"),
        "other_member": other_browser.get("/council/members"),
    }
    words = _shown(field)
    for viewer, page in pages.items():
        assert page.status_code == 200, viewer
        html = page.get_data(as_text=True)
        assert (words in html) == (viewer in SEES[level]), f"{field} at {level} to {viewer}"
    own = owner_browser.get("/council/profile").get_data(as_text=True)
    if field in TEXTS:
        assert words in own
    else:
        assert f'selected value="{CATEGORY_ANSWERS[field][0]}"' in own
    # and the member's own page says what the public sees
    public_part = own.split("What the public council page shows about you")[1]
    assert (words in public_part) == (level == "public")


def test_a_name_is_public_only_when_the_member_says_so(app):
    owner = add_member(app, name="Marisol")
    browser = member_client(app, owner)
    assert "Marisol" not in app.test_client().get("/council").get_data(as_text=True)
    browser.post("/council/profile", data=profile_data("Marisol", name_public="y"))
    assert "Marisol" in app.test_client().get("/council").get_data(as_text=True)


def test_only_me_words_are_sealed_to_the_member_alone(app, query):
    owner = add_member(app, name="Marisol")
    member_client(app, owner).post("/council/profile", data=profile_data(
        "Marisol", text_about="My secret canary words", vis_about="me"))
    entry = query(lambda: ProfileEntry.get(ProfileEntry.field == "about"))
    assert entry.own_seal is not None
    assert entry.org_key is None and entry.council_key is None and entry.body is None
    assert entry.public_text is None and b"canary" not in entry.own_seal


def test_another_member_cannot_edit_someone_elses_profile(app, query):
    owner = add_member(app, name="Marisol")
    intruder = add_member(app, name="Kai")
    member_client(app, owner).post("/council/profile", data=profile_data(
        "Marisol", text_pronouns="she/her", vis_pronouns="public"))
    before = query(lambda: [(e.field, e.visibility, e.public_text) for e in ProfileEntry.select()
                            .join(Member).where(Member.user == owner.id)])
    browser = member_client(app, intruder)
    # the form edits only the logged-in member's own record, whatever ids are added to it
    owner_id = member_of(app, owner).public_id
    browser.post("/council/profile", data=profile_data("Hacked", member=str(owner_id),
                                                       member_id=str(owner_id), user_id=str(owner.id),
                                                       text_pronouns="x", vis_pronouns="public"))
    after = query(lambda: [(e.field, e.visibility, e.public_text) for e in ProfileEntry.select()
                           .join(Member).where(Member.user == owner.id)])
    assert after == before
    assert query(lambda: Member.get(Member.user == owner.id).name) == "Marisol"


def test_staff_cannot_fill_a_members_self_description(app):
    staff = staff_client(app)
    assert staff.get("/council/profile").status_code == 403
    assert staff.post("/council/profile", data=profile_data("x")).status_code == 403


def test_every_category_offers_prefer_not_to_say():
    for category in CATEGORIES:
        assert "prefer_not" in category.choices


def test_a_password_reset_by_link_loses_only_me_words_and_the_member_is_told(app, query):
    from portal.accounts import service as accounts

    owner = add_member(app, name="Marisol")
    member_client(app, owner).post("/council/profile", data=profile_data(
        "Marisol", text_about="Kept for me alone", vis_about="me",
        text_pronouns="she/her", vis_pronouns="council", cat_age="35_44", vis_age="me"))
    with app.test_request_context("/"), db.connection_context():
        from portal.accounts.models import User

        token = accounts.issue_link("reset", "council", user=User.get_by_id(owner.id))
        accounts.use_link(token, "", "a-brand-new-password-55")
    fields = query(lambda: {e.field for e in ProfileEntry.select()})
    assert fields == {"pronouns", "cat:age"}, "only the unreadable words are gone"
    browser = app.test_client()
    from support.world import log_in

    log_in(browser, query(lambda: __import__("portal.accounts.models", fromlist=["User"]).User
                          .get_by_id(owner.id)), "a-brand-new-password-55")
    home = browser.get("/council/home").get_data(as_text=True)
    assert "Your password was reset with a link" in home


def test_a_password_change_keeps_only_me_words_readable(app):
    owner = add_member(app, name="Marisol")
    browser = member_client(app, owner)
    browser.post("/council/profile", data=profile_data("Marisol", text_about="Still mine", vis_about="me"))
    changed = browser.post("/account", data={"current": "correct-kettle-meadow-42",
                                             "password": "another-quiet-harbour-77",
                                             "confirm": "another-quiet-harbour-77"})
    assert changed.status_code == 302
    assert "Still mine" in browser.get("/council/profile").get_data(as_text=True)
    again = app.test_client()
    from support.world import log_in

    log_in(again, owner, "another-quiet-harbour-77")
    assert "Still mine" in again.get("/council/profile").get_data(as_text=True)


def test_words_this_session_cannot_open_are_kept_when_the_form_is_saved(app, query):
    """A session without the member's own key shows "only me" words empty; saving keeps them."""
    from support.world import sign_in

    owner = add_member(app, name="Marisol")
    member_client(app, owner).post("/council/profile", data=profile_data(
        "Marisol", text_about="Kept for me alone", vis_about="me"))
    keyless = app.test_client()
    sign_in(keyless, owner)
    form = keyless.get("/council/profile").get_data(as_text=True)
    assert "this session cannot open" in form
    assert keyless.post("/council/profile", data=profile_data("Marisol")).status_code == 302
    assert query(lambda: ProfileEntry.get(ProfileEntry.field == "about").own_seal) is not None
    assert "Kept for me alone" in member_client(app, owner).get("/council/profile").get_data(as_text=True)
