"""Short "something to read" messages to members who gave an address (off unless configured).

PORTAL_SMTP_URL turns them on: smtp://user:password@host:587 (STARTTLS when the server offers it),
smtps://user:password@host:465 (TLS from the start) or smtp://host:25. PORTAL_MAIL_FROM is the
sender. A message says only that there is something to read on the portal, never what.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app
from peewee import IntegrityError

from portal import clock
from portal.council.models import Member, Proposal, ProposalNotice
from portal.db import db

CLOSING_DAYS = 2
# both languages in every message: the portal does not know which one a member reads
OPENED_SUBJECT = "Something new to read / Algo nuevo para leer"
OPENED_BODY = ("There is something new for the advisory council to read. Log in to read it:\n{link}\n\n"
               "Hay algo nuevo para que el consejo asesor lo lea. Inicia sesión para leerlo:\n{link}\n")
CLOSING_SUBJECT = "A reminder / Un recordatorio"
CLOSING_BODY = ("Something for the advisory council to read closes in two days. Log in to read it:\n"
                "{link}\n\nAlgo que el consejo asesor puede leer cierra en dos días. Inicia sesión "
                "para leerlo:\n{link}\n")
TIMEOUT_SECONDS = 20


def is_configured() -> bool:
    """True when an SMTP server is configured."""
    return bool(current_app.config.get("SMTP_URL"))


def _addresses() -> list[str]:
    """The addresses of current members who gave one."""
    return [member.email for member in Member.current(clock.today()) if member.email]


def _send(addresses: list[str], subject: str, body: str) -> int:
    """Send one message to each address (each alone: no one sees who else got it)."""
    url = urlsplit(current_app.config["SMTP_URL"])
    sender = current_app.config.get("MAIL_FROM") or "council@localhost"
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    connect = smtplib.SMTP_SSL if secure else smtplib.SMTP
    sent = 0
    with connect(url.hostname or "localhost", port, timeout=TIMEOUT_SECONDS) as server:
        if not secure and server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
        for address in addresses:
            message = EmailMessage()
            message["From"] = sender
            message["To"] = address
            message["Subject"] = subject
            message.set_content(body)
            server.send_message(message)
            sent += 1
    return sent


def _portal_link() -> str:
    return f"{current_app.config['BASE_URL']}/council/proposals"


def _notify_once(proposal: Proposal, kind: str, subject: str, body: str) -> int:
    """Send a notice of a kind for a proposal once; returns how many messages went out."""
    if not is_configured():
        return 0
    addresses = _addresses()
    if not addresses:
        return 0
    try:
        with db.atomic():
            ProposalNotice.create(proposal=proposal, kind=kind, sent_on=clock.today())
    except IntegrityError:
        return 0  # sent already
    try:
        return _send(addresses, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        # the notice is taken back so the next run tries again; the address is never logged
        ProposalNotice.delete().where((ProposalNotice.proposal == proposal)
                                      & (ProposalNotice.kind == kind)).execute()
        current_app.logger.warning("council notice not sent: %s", type(error).__name__)
        return 0


def notify_opened(proposal: Proposal) -> int:
    """Tell members there is a new proposal to read (not what it is)."""
    return _notify_once(proposal, "opened", OPENED_SUBJECT, OPENED_BODY.format(link=_portal_link()))


def remind_closing(today: dt.date | None = None) -> int:
    """Remind members of proposals closing in two days; returns how many messages went out."""
    today = today or clock.today()
    closing = (Proposal.select()
               .where((Proposal.state == "open")
                      & (Proposal.closes_on == today + dt.timedelta(days=CLOSING_DAYS))))
    sent = 0
    for proposal in closing:
        sent += _notify_once(proposal, "closing", CLOSING_SUBJECT, CLOSING_BODY.format(link=_portal_link()))
    return sent
