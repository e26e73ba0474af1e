"""The diversity overview hides small counts and names no one; stipends add up to the cent."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from council_factories import add_member, member_client, member_of, profile_data, staff_client

from portal.clock import today
from portal.council import service
from portal.council.models import CouncilSettings, Participation
from portal.db import db


def _describe(app, user, name_public: str = "", **answers):
    """The member's own answers, saved as their profile form saves them (categories need no key)."""
    data = profile_data("M", **answers)
    with app.test_request_context("/"), db.connection_context():
        from portal.accounts.models import User
        from portal.council.models import Member

        account = User.get_by_id(user.id)
        member = Member.get(Member.user == account)
        categories = {key[4:]: (data[key], data[f"vis_{key[4:]}"]) for key in data if key.startswith("cat_")}
        service.save_profile(account, member, member.name, bool(name_public), None, {}, categories)


def _row(html: str, label: str) -> str:
    """The table row of one answer, whitespace removed."""
    start = html.index(f'<th scope="row">{label}</th>')
    return html[start:html.index("</tr>", start)].replace(" ", "")


def test_small_counts_are_hidden_in_the_diversity_overview(app):
    for n in range(6):
        _describe(app, add_member(app, name=f"W{n}"), cat_gender="woman", vis_gender="me")
    for n in range(5):
        _describe(app, add_member(app, name=f"X{n}"), cat_gender="man", vis_gender="council")
    _describe(app, add_member(app, name="Lone"), cat_gender="two_spirit", vis_gender="public")
    html = staff_client(app).get("/staff/council/diversity").get_data(as_text=True)
    gender = html[html.index("<caption id=\"cat-gender\">"):]
    assert '>6</td>' in _row(gender, "Woman")
    # one two-spirit member: hidden, and so is the next smallest count that would give it away
    assert "hidden" in _row(gender, "Two-spirit")
    assert "hidden" in _row(gender, "Man")
    assert "Lone" not in html and "W1" not in html


def test_only_me_answers_count_in_the_totals_but_are_never_shown_with_the_name(app):
    users = [add_member(app, name=f"Member{n}") for n in range(5)]
    for user in users:
        _describe(app, user, cat_age="25_34", vis_age="me")
    html = staff_client(app).get("/staff/council/diversity").get_data(as_text=True)
    assert '>5</td>' in _row(html[html.index('id="cat-age"'):], "25 to 34")
    page = staff_client(app).get(f"/staff/council/members/{member_of(app, users[0]).public_id}")
    assert "25 to 34" not in page.get_data(as_text=True)


def test_the_public_sees_the_overview_only_when_the_organisation_turns_it_on(app):
    for n in range(5):
        _describe(app, add_member(app, name=f"P{n}"), cat_lived="labour", vis_lived="me")
    assert "cat-lived" not in app.test_client().get("/council").get_data(as_text=True)
    with app.app_context(), db.connection_context():
        CouncilSettings.create(public_diversity=True)
    public = app.test_client().get("/council").get_data(as_text=True)
    assert '>5</td>' in _row(public[public.index('id="cat-lived"'):], "Labour trafficking")


def test_the_gap_list_names_wanted_experiences_no_current_member_has(app):
    _describe(app, add_member(app), cat_lived="labour")
    staff = staff_client(app)
    staff.post("/staff/council/settings", data={
        "contact_en": "", "contact_es": "", "wanted": ["lived:labour", "sex_trade:consensual"],
        "rate": "25.00", "currency": "USD"})
    html = staff.get("/staff/council/diversity").get_data(as_text=True)
    gaps = html[html.index("have no one yet"):]
    assert "Experience in the sex trades: By choice" in gaps
    assert "Lived experience of trafficking: Labour trafficking" not in gaps


def test_members_whose_term_ended_are_not_counted_or_shown(app):
    past = add_member(app, name="Former", starts=today() - dt.timedelta(days=400),
                      ends=today() - dt.timedelta(days=1))
    _describe(app, past, cat_age="65_up", vis_age="public", name_public="y")
    assert "Former" not in app.test_client().get("/council").get_data(as_text=True)
    with app.test_request_context("/"), db.connection_context():
        overview = service.diversity()
    assert overview.members == 0


@pytest.mark.parametrize(("minutes", "rate_cents", "cents"), [
    (60, 2500, 2500), (90, 2500, 3750), (1, 2500, 42), (20, 1001, 334), (45, 1999, 1499),
    (10, 3, 1),  # 0.5 cent rounds half up
    (0, 2500, 0),
])
def test_stipend_arithmetic_is_exact_to_the_cent(minutes, rate_cents, cents):
    assert service.amount_cents(minutes, rate_cents) == cents


@pytest.mark.parametrize(("typed", "cents"), [("25", 2500), ("25.5", 2550), ("0.10", 10), ("19,99", 1999)])
def test_typed_rates_become_cents_without_floats(typed, cents):
    assert service.parse_money(typed) == cents


@pytest.mark.parametrize("typed", ["", "abc", "-1", "1.005", "NaN", "Infinity", "1e9", "100000.01"])
def test_nonsense_rates_are_refused(typed):
    with pytest.raises(service.CouncilError):
        service.parse_money(typed)


def test_attendance_and_logged_time_add_up_in_the_export_and_the_members_own_record(app, query):
    ama, luz = add_member(app, name="Ama"), add_member(app, name="Luz")
    staff = staff_client(app)
    day = today().isoformat()
    staff.post("/staff/council/meetings", data={"held_on": day, "title": "Spring", "minutes": "90",
                                                "agenda": "", "notes": ""})
    from portal.council.models import Meeting

    meeting = query(lambda: Meeting.get())
    ama_id, luz_id = member_of(app, ama).public_id, member_of(app, luz).public_id
    assert staff.post(f"/staff/council/meetings/{meeting.public_id}/attendance",
                      data={"present": [str(ama_id), str(luz_id)]}).status_code == 302
    staff.post("/staff/council/participation", data={
        "member": str(ama_id), "worked_on": day, "kind": "review", "minutes": "20", "rate": "10.01",
        "note": "Read the phone proposal"})
    # the same attendance saved twice counts once
    staff.post(f"/staff/council/meetings/{meeting.public_id}/attendance",
               data={"present": [str(ama_id), str(luz_id)]})
    assert query(lambda: Participation.select().count()) == 3
    export = staff.get(f"/staff/council/participation.csv?start={day}&end={day}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    owed = {row[1]: (row[4], row[5]) for row in rows[1:]}
    # 90 min at 25.00 = 37.50; 20 min at 10.01 = 3.336... -> 3.34
    assert owed == {"Ama": ("1.83", "40.84"), "Luz": ("1.50", "37.50")}
    home = member_client(app, ama).get("/council/home").get_data(as_text=True)
    assert "40.84" in home and "Read the phone proposal" in home
    # a member sees only their own record
    other_home = member_client(app, luz).get("/council/home").get_data(as_text=True)
    assert "Read the phone proposal" not in other_home


def test_a_meeting_missed_is_taken_off_when_attendance_is_corrected(app, query):
    ama = add_member(app, name="Ama")
    staff = staff_client(app)
    staff.post("/staff/council/meetings", data={"held_on": today().isoformat(), "title": "M",
                                                "minutes": "60"})
    from portal.council.models import Meeting

    meeting = query(lambda: Meeting.get())
    staff.post(f"/staff/council/meetings/{meeting.public_id}/attendance",
               data={"present": [str(member_of(app, ama).public_id)]})
    staff.post(f"/staff/council/meetings/{meeting.public_id}/attendance", data={})
    assert query(lambda: Participation.select().count()) == 0
