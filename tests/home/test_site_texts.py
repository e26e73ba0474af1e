"""The organisation's texts: set by an admin on /staff/settings, shown in the reader's language."""
from __future__ import annotations

import re

import pytest
from support.config import portal_config
from support.world import make_account, sign_in

from portal import create_app, sitetexts
from portal.accounts.audit import AuditEntry
from portal.db import close_pool, db
from portal.home.forms import field_name

LANGUAGE_FIELDS = [field_name(key, language) for key in sitetexts.REGISTRY
                   for language in ("en", "es")]


def _form(**values: str) -> dict:
    """Every field of the settings form, empty unless given."""
    data = dict.fromkeys(LANGUAGE_FIELDS, "")
    data.update(values)
    return data


@pytest.fixture
def admin_client(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    return client


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html).group(1)


def _exit_link(html: str) -> str:
    return re.search(r'id="quick-exit" href="([^"]+)"', html).group(1)


def test_admin_texts_appear_on_the_pages_in_each_language(client, admin_client, query):
    answer = admin_client.post("/staff/settings", data=_form(
        urgent_help_en="Call our line at any hour.", urgent_help_es="Llama a nuestra línea a cualquier hora.",
        urgent_hotline_en="555-0100, every day", urgent_hotline_es="555-0100, todos los días",
        feedback__what_happens_en="Only **Maria** reads it.",
        feedback__what_happens_es="Solo **María** lo lee."))
    assert answer.status_code == 302
    english = client.get("/feedback?lang=en").get_data(as_text=True)
    assert "Only <strong>Maria</strong> reads it." in english
    assert "Call our line at any hour." in english and "555-0100, every day" in english
    assert "Solo" not in english
    spanish = client.get("/feedback?lang=es").get_data(as_text=True)
    assert "Solo <strong>María</strong> lo lee." in spanish
    assert "Llama a nuestra línea a cualquier hora." in spanish
    assert "555-0100, todos los días" in spanish and "Only" not in spanish
    for path in ("/", "/feedback/status"):
        assert "Llama a nuestra línea" in client.get(path + "?lang=es").get_data(as_text=True)
        assert "Call our line" in client.get(path + "?lang=en").get_data(as_text=True)


def test_change_of_texts_is_audited_once(admin_client, query):
    admin_client.post("/staff/settings", data=_form(organisation_name_en="Harbor House"))
    admin_client.post("/staff/settings", data=_form(organisation_name_en="Harbor House"))
    entries = query(lambda: list(AuditEntry.select().where(AuditEntry.action == "home.texts")))
    assert len(entries) == 1 and entries[0].actor_id is not None
    assert "changed the organisation&#39;s texts" in admin_client.get("/staff/users").get_data(as_text=True)


def test_default_texts_explain_what_happens_and_fill_in_the_retention_days(tmp_path):
    app = create_app(portal_config(tmp_path, FEEDBACK_RETENTION_DAYS=90))
    try:
        client = app.test_client()
        english = client.get("/feedback?lang=en").get_data(as_text=True)
        spanish = client.get("/feedback?lang=es").get_data(as_text=True)
    finally:
        close_pool()
    assert "delete the conversation 90 days after its last message" in english
    assert "borramos la conversación 90 días después" in spanish
    assert "{retention_days}" not in english + spanish
    for words in ("police", "immigration", "funders", "not for emergencies", "internet provider"):
        assert words in english.lower()
    assert "Urgent help" in english and "Ayuda urgente" in spanish


def test_retention_days_are_filled_into_the_admins_own_text(app, client, admin_client):
    admin_client.post("/staff/settings", data=_form(
        feedback__what_happens_en="Kept for {retention_days} days.",
        feedback__what_happens_es="Se guarda {retention_days} días."))
    days = app.config["FEEDBACK_RETENTION_DAYS"]
    assert f"Kept for {days} days." in client.get("/feedback?lang=en").get_data(as_text=True)
    assert f"Se guarda {days} días." in client.get("/feedback?lang=es").get_data(as_text=True)


def test_organisation_name_appears_per_language_in_titles_and_header(client, admin_client):
    assert _title(admin_client.get("/staff/?lang=en").get_data(as_text=True)).endswith("– Community Services")
    assert _title(admin_client.get("/staff/?lang=es").get_data(as_text=True)).endswith(
        "– Servicios Comunitarios")
    admin_client.post("/staff/settings", data=_form(organisation_name_en="Harbor House",
                                                    organisation_name_es="Casa del Puerto"))
    assert _title(admin_client.get("/staff/?lang=es").get_data(as_text=True)) == "Personal – Casa del Puerto"
    # the funding statement is for everyone, search engines included: it names the organisation
    assert _title(client.get("/transparency?lang=en").get_data(as_text=True)).endswith("– Harbor House")
    # the pages clients use name only themselves in the tab and the browser's history
    english = client.get("/feedback?lang=en").get_data(as_text=True)
    spanish = client.get("/feedback?lang=es").get_data(as_text=True)
    assert _title(english) == "Give feedback"
    assert _title(spanish) == "Danos tu opinión"
    assert 'class="site-name" href="/">Casa del Puerto</a>' in spanish


def test_organisation_name_from_the_environment_is_the_default_in_every_language(tmp_path):
    app = create_app(portal_config(tmp_path, SITE_NAME="Harbor House"))
    try:
        client = app.test_client()
        assert _title(client.get("/transparency?lang=es").get_data(as_text=True)).endswith("– Harbor House")
    finally:
        close_pool()


def test_exit_link_goes_to_the_destination_of_the_readers_language(client, admin_client):
    assert _exit_link(client.get("/?lang=en").get_data(as_text=True)) == "https://www.bbc.co.uk/weather"
    assert _exit_link(client.get("/?lang=es").get_data(as_text=True)) == "https://weather.com/es-US"
    admin_client.post("/staff/settings", data=_form(quick_exit_url_en="https://weather.example/en",
                                                    quick_exit_url_es="https://clima.example/es"))
    assert _exit_link(client.get("/feedback?lang=en").get_data(as_text=True)) == "https://weather.example/en"
    assert _exit_link(client.get("/feedback?lang=es").get_data(as_text=True)) == "https://clima.example/es"


def test_operators_exit_address_is_kept_in_spanish_unless_a_spanish_one_is_set(tmp_path):
    for settings, spanish in (({"QUICK_EXIT_URL": "https://news.example/"}, "https://news.example/"),
                              ({"QUICK_EXIT_URL": "https://news.example/",
                                "QUICK_EXIT_URL_ES": "https://noticias.example/"},
                               "https://noticias.example/")):
        app = create_app(portal_config(tmp_path / spanish.split("/")[2], **settings))
        try:
            client = app.test_client()
            assert _exit_link(client.get("/?lang=en").get_data(as_text=True)) == "https://news.example/"
            assert _exit_link(client.get("/?lang=es").get_data(as_text=True)) == spanish
        finally:
            close_pool()


@pytest.mark.parametrize("address", ["http://weather.example/", "javascript:alert(1)", "weather.example",
                                     "https:///nohost", "https://weather.example/ x", "//weather.example"])
def test_an_exit_address_that_is_not_https_is_refused_with_the_form_kept(admin_client, query, address):
    answer = admin_client.post("/staff/settings", data=_form(quick_exit_url_es=address,
                                                             organisation_name_en="Harbor House"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "error-summary" in html
    assert "https://" in html and 'value="Harbor House"' in html
    assert query(lambda: sitetexts.SiteText.select().count()) == 0


def test_text_too_long_or_blank_is_refused_and_nothing_is_saved(admin_client, query):
    for data in (_form(organisation_name_en="x" * 101), _form(urgent_help_es="\u200b \n"),
                 _form(organisation_name_es="two\nlines")):
        html = admin_client.post("/staff/settings", data=data).get_data(as_text=True)
        assert "error-summary" in html
    assert query(lambda: sitetexts.SiteText.select().count()) == 0


def test_emptying_a_text_brings_back_its_default(client, admin_client):
    admin_client.post("/staff/settings", data=_form(urgent_help_en="Call us."))
    assert "Call us." in client.get("/?lang=en").get_data(as_text=True)
    admin_client.post("/staff/settings", data=_form())
    assert "not watched for emergencies" in client.get("/?lang=en").get_data(as_text=True)


def test_settings_page_shows_every_text_in_both_languages_with_its_default(admin_client):
    html = admin_client.get("/staff/settings?lang=es").get_data(as_text=True)
    for name in LANGUAGE_FIELDS:
        assert f'name="{name}"' in html
    assert "Servicios Comunitarios" in html and "{retention_days}" in html
    assert 'lang="es"' in html


@pytest.mark.parametrize("role", [None, "staff", "council"])
def test_only_an_admin_can_reach_the_settings_page(app, make_user, query, role):
    client = app.test_client()
    if role:
        sign_in(client, make_user(role))
    page = client.get("/staff/settings")
    sent = client.post("/staff/settings", data=_form(organisation_name_en="Taken over"))
    if role is None:
        assert page.status_code == 302 and "/login" in page.location
    else:
        assert page.status_code == 403
    assert sent.status_code == 403
    assert query(lambda: sitetexts.SiteText.select().count()) == 0


def test_settings_form_needs_its_csrf_token(csrf_app):
    client = csrf_app.test_client()
    sign_in(client, make_account(csrf_app, "admin", "csrf-admin"))
    answer = client.post("/staff/settings", data=_form(organisation_name_en="Forged"))
    assert answer.status_code in (400, 403)
    with csrf_app.app_context(), db.connection_context():
        assert sitetexts.SiteText.select().count() == 0


def test_a_save_in_one_worker_reaches_another_worker_at_once(app, tmp_path):
    # a second app on the same instance folder and database plays the other worker
    other = create_app(portal_config(tmp_path, DATABASE_URL=app.config["DATABASE_URL"]))
    with other.test_request_context("/?lang=en"):
        assert sitetexts.text("organisation_name") == "Community Services"
    with app.test_request_context("/"), db.connection_context():
        sitetexts.save({("organisation_name", "en"): "Harbor House"})
    with other.test_request_context("/?lang=en"):
        assert sitetexts.text("organisation_name") == "Harbor House"



def test_the_stamp_that_tells_other_workers_of_a_save_is_private(app, admin_client):
    import os
    import stat
    from pathlib import Path

    admin_client.post("/staff/settings", data=_form(organisation_name_en="Harbor House"))
    stamp = Path(app.instance_path) / sitetexts.STAMP_FILE
    assert stat.S_IMODE(os.stat(stamp).st_mode) == 0o600
    assert [p.name for p in stamp.parent.glob(sitetexts.STAMP_FILE + ".*")] == []
