"""CSV exports: no cell a spreadsheet would run as a formula, direction overrides shown, and
every download of the feedback recorded in the audit trail."""
from __future__ import annotations

import csv
import io

import pytest

from portal.accounts.audit import AuditEntry
from portal.export import safe_cell


@pytest.mark.parametrize("risky", [
    "=1+1", "+1", "-1", "@SUM(A1)",
    # blanks in front do not stop a spreadsheet
    " =1+1", "   +cmd", "\t=1+1", "\u00a0=1", "\u3000-1", "\u200b=1",
    # nor a line break
    "\n=1+1", "\r\n-2+3", "\r=1",
    # a full-width ＝ (and its kin), which NFKC turns into the ASCII sign
    "\uff1d1+1", "\uff0b1", "\uff201", " \uff1d1",
    # a separator in front: the spreadsheet splits there and the next cell starts with =
    ";=1+1", ",=1+1", " ;=1+1", ";;=cmd",
])
def test_a_cell_a_spreadsheet_would_run_gets_a_quote_in_front(risky):
    assert safe_cell(risky) == "'" + risky


@pytest.mark.parametrize("harmless", ["Plain words.", "1+1", "a=b", "email@example.org", "", "; no formula"])
def test_a_harmless_cell_is_kept_as_written(harmless):
    assert safe_cell(harmless) == harmless


@pytest.mark.parametrize("cell", ["\tPlain words.", "\rPlain words.", "\nPlain words."])
def test_a_cell_starting_with_a_tab_or_line_break_gets_a_quote_in_front(cell):
    """Some spreadsheets drop a leading tab or line break when they import a file, and then
    read what follows afresh: such a cell is defused whatever comes after."""
    assert safe_cell(cell) == "'" + cell


def test_numbers_booleans_and_nothing_are_written_plainly():
    assert [safe_cell(v) for v in (3, -2, 1.5, True, False, None)] == ["3", "-2", "1.5", "yes", "no", ""]


def test_a_direction_override_in_a_cell_is_shown_not_obeyed():
    assert safe_cell("invoice\u202etxt.exe") == "invoice[U+202E]txt.exe"
    # and a formula hidden behind one is still defused
    assert not safe_cell("\u202e=1+1").startswith("=")


def test_downloading_the_feedback_is_recorded_in_the_audit_trail(client, auth, make_user, query):
    client.post("/feedback", data={"message": "Exported words."})
    staff = make_user("staff")
    auth.login(staff)
    response = client.get("/staff/feedback/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][-1] == "Exported words."
    entries = query(lambda: [(e.action, e.actor_id) for e in AuditEntry.select()])
    assert entries == [("feedback.export", staff.id)]
    # the admin's list names it in words
    admin = make_user("admin")
    auth.login(admin)
    assert "downloaded every open feedback thread as CSV" in client.get("/staff/users").get_data(as_text=True)
