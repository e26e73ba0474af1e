"""The audit trail holds (actor, action, record number) from a fixed vocabulary, never text."""
from __future__ import annotations

import pytest

from portal.accounts import audit
from portal.accounts.audit import AuditEntry
from portal.areas import load_areas


def test_an_action_outside_the_vocabulary_is_refused(app, query):
    with app.app_context(), pytest.raises(ValueError):
        query(lambda: audit.record(None, "feedback.something-new", 1))
    assert query(lambda: AuditEntry.select().count()) == 0


@pytest.mark.parametrize("subject", ["The kettle is broken.", "thread 5", 2.5])
def test_a_subject_is_a_record_number_never_text(app, query, subject):
    with app.app_context(), pytest.raises(TypeError):
        query(lambda: audit.record(None, "feedback.reply", subject))
    assert query(lambda: AuditEntry.select().count()) == 0


def test_every_area_action_has_a_label_in_both_languages(app):
    actions = {name: label for area in load_areas() for name, label in area.audit_actions.items()}
    assert actions, "the areas declare their audit actions"
    with app.test_request_context("/?lang=es"):
        app.preprocess_request()
        spanish = {name: str(label) for name, label in actions.items()}
    with app.test_request_context("/?lang=en"):
        english = {name: str(label) for name, label in actions.items()}
    untranslated = [name for name in actions if spanish[name] == english[name]]
    assert not untranslated


def test_entries_show_the_actions_label(app, query):
    with app.test_request_context():
        query(lambda: audit.record(None, "feedback.reply", 7))
        assert audit.action_label("feedback.reply") == "replied to feedback thread"
