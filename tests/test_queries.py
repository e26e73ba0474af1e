"""Pages run a fixed number of queries, whatever the number of rows they show: no query per row."""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets

import pytest

from portal import clock
from portal.db import db


@contextlib.contextmanager
def counted_queries():
    """Every SQL statement run inside the block, in order."""
    statements: list[str] = []
    original = db.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = spy
    try:
        yield statements
    finally:
        del db.obj.execute_sql


@pytest.fixture
def add_threads(app, query):
    """Add n threads, each with a client message and a staff reply, quoted and published."""
    from portal.feedback import service

    def _add(n: int) -> None:
        def create() -> None:
            today = clock.today()
            for i in range(n):
                day = today - dt.timedelta(days=i % 30)
                thread, item_key = service.create_thread(
                    secrets.token_hex(8), day, topic="space", rating=1 + i % 5,
                    tags="hours,evening", quotable=True, public_quote=f"Quote {i}",
                    public_action=f"Action {i}", published_on=day)
                service.store_message(thread, item_key, "client", f"Message {i}", day)
                service.store_message(thread, item_key, "staff", f"Reply {i}", day)
        with app.test_request_context():
            query(create)
    return _add


def _queries_for(client, path: str) -> list[str]:
    client.get(path)  # first request of a page: templates compiled, nothing else cached
    with counted_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return statements


@pytest.mark.parametrize("path", ["/staff/feedback", "/staff/feedback?status=new&topic=space"])
def test_staff_feedback_list_runs_the_same_queries_for_one_row_and_a_full_page(
        client, auth, make_user, add_threads, path):
    auth.login(make_user("staff"))
    add_threads(1)
    one = _queries_for(client, path)
    add_threads(120)  # more than a page of fifty
    full = _queries_for(client, path)
    assert len(one) == len(full), (one, full)
    # the signed-in user and their key, the page of threads, the first words of each: none per row
    assert len(full) <= 4, full


def test_staff_feedback_list_deep_page_runs_the_same_queries(client, auth, make_user, add_threads):
    import re

    auth.login(make_user("staff"))
    add_threads(120)
    first = client.get("/staff/feedback").get_data(as_text=True)
    deep = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert len(_queries_for(client, deep)) == len(_queries_for(client, "/staff/feedback"))


def test_public_feedback_page_runs_one_query_whatever_is_published(client, add_threads):
    add_threads(1)
    one = _queries_for(client, "/feedback")
    add_threads(40)
    many = _queries_for(client, "/feedback")
    # the published list, and whether anyone is named for complaints (the form says who reads them)
    assert len(one) == len(many) == 2, many


@pytest.mark.parametrize("path", ["/", "/healthz", "/login", "/feedback/status"])
def test_anonymous_pages_without_data_run_no_query(client, path):
    assert _queries_for(client, path) == []


def test_the_public_council_page_reads_settings_and_members_once(client):
    """The roster, the diversity overview and the contact text share one read of the council's
    settings and one of its current members."""
    statements = _queries_for(client, "/council")
    settings = [sql for sql in statements if "council_settings" in sql]
    members = [sql for sql in statements if 'FROM "council_member"' in sql]
    assert len(settings) == 1, settings
    assert len(members) == 1, members


def test_a_read_is_kept_for_a_get_request_only(app):
    from portal.db import read_once

    reads = []

    def read():
        reads.append(1)
        return len(reads)
    with app.test_request_context("/", method="GET"):
        assert read_once("x", read) == read_once("x", read) == 1
    with app.test_request_context("/", method="POST"):
        # a request that writes may change what it reads: never kept
        assert read_once("x", read) == 2 and read_once("x", read) == 3
    with app.app_context():
        assert read_once("x", read) == 4


def test_a_lookup_by_a_unique_column_reads_the_row_with_its_types(app, make_user, query):
    """The signed-in user is read through SQL built once: the same row, with the same types, as
    peewee's own query; None when there is no such row; another database gets its own SQL."""
    from portal.accounts import user_by_id
    from portal.accounts.models import User

    made = make_user("staff", display_name="Rosa")

    def check():
        found = user_by_id(made.id)
        expected = User.get_by_id(made.id)
        assert found is not None and found.__data__ == expected.__data__
        assert isinstance(found.created_on, dt.date) and found.is_active is True
        assert user_by_id(made.id + 1000) is None
        with counted_queries() as statements:
            user_by_id(made.id)
        assert len(statements) == 1 and statements[0].startswith("SELECT")
    query(check)


def test_a_query_built_once_reads_what_peewee_reads_for_each_argument(app, add_threads, query):
    """built_once keeps a query's SQL per database and arguments: the published list for 3 and
    for 20 items are two statements, each giving the rows peewee's own query gives."""
    from portal.db import built_once
    from portal.feedback.models import FeedbackThread

    add_threads(5)
    published = built_once(FeedbackThread.published)

    def check():
        for limit in (3, 20, 3):
            rows = published(limit)
            expected = list(FeedbackThread.published(limit))
            assert [row.__data__ for row in rows] == [row.__data__ for row in expected]
            assert len(rows) == min(limit, 5)
            assert isinstance(rows[0].published_on, dt.date)
    query(check)
