"""The first admin's first run: the setup link `init-db` prints, a user name and password, the
organisation's recovery key, the second factor from the QR code's key, recovery codes to keep; then
an invitation revoked, and another that a new member of staff opens to choose their own user name.

A first run happens once per portal, so each variant starts a portal of its own, empty as a new
installation is.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pyotp
import pytest

pytestmark = pytest.mark.browser
ADMIN_PASSWORD = "harbour lantern pebble 31"
STAFF_PASSWORD = "quiet orchard kettle 58"
SVG = "http://www.w3.org/2000/svg"


@pytest.fixture
def new_portal(start_portal, exit_site, tmp_path):
    """A portal with no account yet, as on the day it is installed."""
    with start_portal(tmp_path, exit_site.url) as portal:
        yield portal


def first_admin_link(portal) -> str:
    """What `flask --app app init-db` prints on a portal with no account: the setup link's path."""
    printed = portal.run(lambda: portal.app.test_cli_runner().invoke(args=["init-db"]).output)
    assert "No account exists yet" in printed, printed
    return re.search(r"/account/setup\?token=[A-Za-z0-9_-]+", printed).group(0)


def send(page, button) -> None:
    """Press a button (or follow a link) and wait for the next page."""
    with page.expect_navigation():
        button.click()


def choose_password(page, t, password: str) -> None:
    """Type the new password twice and save it."""
    page.get_by_label(t("New password"), exact=True).fill(password)
    page.get_by_label(t("New password again")).fill(password)
    send(page, page.get_by_role("button", name=t("Save password")))


def invite(page, t, suggestion: str) -> str:
    """Invite a member of staff from the user list; returns the path of the link shown once."""
    page.get_by_label(t("Suggested user name")).fill(suggestion)
    page.get_by_label(t("Role")).select_option("staff")
    send(page, page.get_by_role("button", name=t("Create invitation link")))
    shown = page.locator("main .notice code").inner_text()
    return re.search(r"/account/setup\?token=[A-Za-z0-9_-]+", shown).group(0)


def test_the_first_admin_sets_up_the_portal_and_invites_staff(
        new_portal, new_page, variant, t, log_in, check_accessibility):
    lang, js = variant
    link = first_admin_link(new_portal)
    page = new_page(lang=lang, js=js, portal=new_portal)

    # the setup link: the first admin chooses a user name (no suggestion here) and a password
    page.goto(link)
    page.get_by_role("heading", name=t("Set your password")).wait_for()
    main = page.locator("main").inner_text()
    assert t("You are creating the first admin account of this portal.") in main
    assert t("The name you log in with. Choose one that does not give away who you are.") in main
    check_accessibility(page)
    page.get_by_label(t("User name")).fill("Harbour-Admin")
    choose_password(page, t, ADMIN_PASSWORD)

    # the organisation's recovery key, once, then the second factor every admin needs
    page.get_by_role("heading", name=t("Your organisation's recovery key")).wait_for()
    assert re.search(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3,}", page.locator(".recovery-key").inner_text())
    check_accessibility(page)
    send(page, page.get_by_role("link", name=t("I have printed or written down the key. Continue")))
    assert page.url.endswith("/account/two-factor")
    page.goto("/staff/users")
    assert page.url.endswith("/account/two-factor"), "no admin page before the second factor"

    # a QR code drawn inline as SVG, holding the address with the key printed beside it
    page.get_by_role("heading", name=t("Set up a second factor")).wait_for()
    qr = page.get_by_role("img", name=t("QR code to add this account to an authenticator app"))
    assert qr.is_visible()
    assert qr.evaluate("el => [el.tagName.toLowerCase(), el.namespaceURI]") == ["svg", SVG]
    box = qr.bounding_box()
    assert box["width"] >= 100 and abs(box["width"] - box["height"]) < 1, "a square a phone can read"
    key = page.locator("main code.totp-key").inner_text().replace(" ", "")
    address = page.locator("main details code").text_content()
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    assert address.startswith("otpauth://totp/") and f"secret={key}" in address
    assert "harbour-admin" in address
    from portal.qr import qr_svg
    drawn = re.findall(r' d="([^"]+)"', str(qr_svg(address, "x")))
    shown = qr.locator("path").evaluate_all("paths => paths.map(path => path.getAttribute('d'))")
    assert shown == drawn, "the QR code holds that address"
    check_accessibility(page)
    page.get_by_label(t("6-digit code from the app")).fill(pyotp.TOTP(key).now())
    send(page, page.get_by_role("button", name=t("Turn on")))

    # recovery codes: readable, downloadable as text, printable
    page.get_by_role("heading", name=t("Second factor is on")).wait_for()
    codes = page.locator("main ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}", code) for code in codes)
    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download them as a text file")).click()
    assert download.value.suggested_filename == "recovery-codes.txt"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.split()[-10:] == codes
    assert t("Recovery codes: each works once, instead of a code from the app.") in text
    print_button = page.get_by_role("button", name=t("Print them"))
    if js:
        page.evaluate("() => { window.print = () => { window.printed = true; }; }")
        print_button.click()
        assert page.evaluate("() => window.printed === true")
    else:
        assert not print_button.is_visible(), "no button that cannot work"
    page.emulate_media(media="print")
    printed = page.locator("body").inner_text()
    assert all(code in printed for code in codes)
    assert t("Download them as a text file") not in printed
    page.emulate_media(media="screen")
    check_accessibility(page)
    send(page, page.get_by_role("link", name=t("I have saved them")))

    # an invitation, listed with who issued it and when it expires, then revoked
    page.goto("/staff/users")
    check_accessibility(page)
    first = invite(page, t, "first-suggestion")
    check_accessibility(page)
    pending = page.get_by_role("region", name=t("Links not used yet"))
    row = pending.get_by_role("row").filter(has_text="first-suggestion")
    cells = row.get_by_role("cell").all_inner_texts()
    assert cells[1:4] == [t("invitation"), t("Staff"), "harbour-admin"]
    expires = dt.datetime.fromisoformat(row.locator("time").get_attribute("datetime"))
    in_three_days = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=72)
    assert abs(expires - in_three_days) < dt.timedelta(minutes=5)
    send(page, row.get_by_role("button", name=t("Revoke")))
    assert t("The link was revoked. It no longer works.") in page.locator(".flashes").inner_text()
    assert pending.get_by_role("row").filter(has_text="first-suggestion").count() == 0
    check_accessibility(page)
    stranger = new_page(lang=lang, js=js, portal=new_portal)
    stranger.goto(first)
    stranger.get_by_role("heading", name=t("This link does not work any more")).wait_for()
    check_accessibility(stranger)

    # another invitation: the person keeps the suggestion or, as here, chooses their own name
    second = invite(page, t, "second-suggestion")
    newcomer = new_page(lang=lang, js=js, portal=new_portal)
    newcomer.goto(second)
    name_box = newcomer.get_by_label(t("User name"))
    assert name_box.input_value() == "second-suggestion"
    assert t("The name you log in with. The one filled in is only a suggestion: you may change it. "
             "Choose one that does not give away who you are.") in newcomer.locator("main").inner_text()
    check_accessibility(newcomer)
    name_box.fill("Night-Owl")
    choose_password(newcomer, t, STAFF_PASSWORD)
    assert newcomer.url.endswith("/staff/")
    newcomer.get_by_role("heading", name=t("Staff area")).wait_for()
    check_accessibility(newcomer)

    # the chosen name is the login; the admin's list shows it and no longer the suggestion
    send(newcomer, newcomer.get_by_role("navigation", name=t("Main")).get_by_role(
        "button", name=t("Log out")))
    log_in(newcomer, SimpleNamespace(username="night-owl", password=STAFF_PASSWORD))
    assert newcomer.url.endswith("/staff/")
    page.goto("/staff/users")
    accounts = page.get_by_role("region", name=t("Accounts")).inner_text()
    assert "night-owl" in accounts and "second-suggestion" not in page.locator("main").inner_text()
