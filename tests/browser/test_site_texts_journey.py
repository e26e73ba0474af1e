"""An admin sets the organisation's texts; a client reads them in Spanish on a 320 px phone."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NARROW_PHONE = {"width": 320, "height": 640}
SPANISH = {
    "#organisation_name_es": "Casa del Puerto",
    "#urgent_help_es": "Si estás en peligro, llama al 911.\n\n- Línea nacional: 1-888-373-7888",
    "#urgent_hotline_es": "555-0100, todos los días de 8 a. m. a 10 p. m.",
    "#feedback__what_happens_es": "Solo **dos personas** leen los mensajes. "
                                  "Borramos la conversación a los {retention_days} días.",
}


def _clear_texts(server) -> None:
    """Every text back to its default, so the journeys that follow see the usual pages."""
    from portal import sitetexts
    from portal.i18n import LANGUAGES

    server.run(lambda: sitetexts.save({(key, language): "" for key in sitetexts.REGISTRY
                                       for language in LANGUAGES}))


def test_admin_sets_the_texts_and_a_client_reads_them_in_spanish_at_320_px(
        new_page, server, log_in, check_accessibility, scrolls_sideways):
    admin = server.make_account("admin")
    page = new_page(lang="en", js=True)
    log_in(page, admin)
    try:
        page.goto("/staff/")
        with page.expect_navigation():
            page.get_by_role("link", name="The organisation's texts").click()
        page.get_by_role("heading", name="The organisation's texts", level=1).wait_for()
        check_accessibility(page)

        # a quick exit that is not https is refused, and everything typed is kept
        for selector, value in SPANISH.items():
            page.fill(selector, value)
        page.fill("#quick_exit_url_es", "http://clima.example/")
        with page.expect_navigation():
            page.get_by_role("button", name="Save the texts").click()
        page.locator("#error-summary").wait_for()
        assert page.input_value("#organisation_name_es") == "Casa del Puerto"
        assert page.input_value("#quick_exit_url_es") == "http://clima.example/"
        check_accessibility(page, "with a refused address")

        page.fill("#quick_exit_url_es", "")
        with page.expect_navigation():
            page.get_by_role("button", name="Save the texts").click()
        page.get_by_text("The organisation's texts were saved.").wait_for()
        assert page.input_value("#urgent_hotline_es") == SPANISH["#urgent_hotline_es"]

        # a client on a small phone, in Spanish, without JavaScript, on another worker perhaps
        client = new_page(lang="es", js=False, viewport=NARROW_PHONE)
        client.goto("/feedback")
        assert "Casa del Puerto" not in client.title(), "the tab never names the organisation"
        assert client.locator(".site-name").inner_text() == "Casa del Puerto"
        panel = client.get_by_role("region", name="Qué pasa con tu mensaje")
        assert panel.locator("strong").inner_text() == "dos personas"
        assert "a los 365 días" in panel.inner_text()
        urgent = client.get_by_role("region", name="Ayuda urgente")
        assert urgent.get_by_role("listitem").inner_text() == "Línea nacional: 1-888-373-7888"
        assert "555-0100, todos los días" in urgent.inner_text()
        check_accessibility(client)
        assert not scrolls_sideways(client)
        for path in ("/", "/feedback/status"):
            client.goto(path)
            assert "Si estás en peligro, llama al 911." in client.get_by_role(
                "region", name="Ayuda urgente").inner_text()
            check_accessibility(client)
            assert not scrolls_sideways(client), path

        # the English pages keep their own texts
        page.goto("/staff/")
        assert page.title().endswith("– Community Services")
        page.goto("/feedback")
        assert "dos personas" not in page.content()
    finally:
        _clear_texts(server)
