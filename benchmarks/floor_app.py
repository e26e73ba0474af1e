"""The floor: the least a Flask + peewee + gunicorn app can do, one small page and one insert.

Run under the portal's own gunicorn settings (`gunicorn -c gunicorn.conf.py
benchmarks.floor_app:app`), so the portal's figures can be read as a ratio against it.
FLOOR_DATABASE_URL picks the database (SQLite with the portal's pragmas, or PostgreSQL).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask, render_template, request
from peewee import CharField, DateField, Model

from portal.db import open_database

HERE = Path(__file__).resolve().parent
URL = os.environ.get("FLOOR_DATABASE_URL", "sqlite:///" + str(HERE / "floor.sqlite"))

# the portal's own opener: the same pragmas and the same connection pool, so the floor pays the
# same price per connection and per write
database = open_database(URL)


class Note(Model):
    """One row per POST."""

    body = CharField(max_length=2000)
    created_on = DateField()

    class Meta:
        database = database
        table_name = "floor_note"


with database.connection_context():
    database.create_tables([Note], safe=True)

app = Flask(__name__, template_folder=str(HERE / "templates"))


@app.before_request
def _connect() -> None:
    database.connect(reuse_if_open=True)


@app.teardown_appcontext
def _close(exc: BaseException | None) -> None:
    if not database.is_closed():
        database.close()


@app.get("/floor")
def page():
    """A small rendered page."""
    return render_template("floor.html", title="Floor", items=["one", "two", "three"])


@app.post("/floor")
def insert():
    """Insert one row inside a transaction and answer with a small page."""
    with database.atomic():
        Note.create(body=request.form.get("message", "")[:2000], created_on=dt.date.today())
    return render_template("floor.html", title="Saved", items=["saved"])
