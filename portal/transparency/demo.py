"""Sample funders, partnerships, services and two published statements for `flask --app app demo`."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from portal import clock
from portal.accounts.models import User
from portal.transparency import document, service
from portal.transparency.models import FundingSource, Statement

FEDERAL = {
    "funder_name": "U.S. Department of Justice, Office for Victims of Crime",
    "funder_type": "federal", "programme": "Services for Victims of Human Trafficking",
    "description": "Case management, emergency help with housing costs, and legal advocacy for "
                   "people who have experienced trafficking.",
    "amount": 450_000, "amount_band": "", "currency": "USD",
    "starts_on": dt.date(2024, 10, 1), "ends_on": dt.date(2027, 9, 30), "client_data": "aggregate",
    "client_data_detail": "Every quarter we report counts to the Department of Justice: how many "
                          "people we served and which services they used. No names, birth dates, "
                          "addresses or case notes ever go to the funder.",
}
FEDERAL_RESTRICTIONS = [
    {"kind": "eligibility", "summary": "Pays only for services to people who have experienced trafficking",
     "terms_say": "The grant covers services to victims of a severe form of trafficking as the "
                  "Trafficking Victims Protection Act defines it. It does not cover services to "
                  "people in the sex trades who have not been trafficked. It does not require "
                  "anyone to prove they were trafficked, to report to the police or to be "
                  "certified by a federal agency before they get help.",
     "we_do": "We never ask anyone to prove what happened to them. When this grant cannot pay "
              "for someone, the same case managers help them with money from our foundation "
              "grant and from individual donors, so nobody is turned away from case management "
              "because of how this grant is written."},
    {"kind": "activity", "summary": "The federal “Prostitution Pledge”",
     "terms_say": "As a condition of the grant we had to adopt a policy opposing prostitution "
                  "(22 U.S.C. 7110(g)). The pledge does not bar us from serving people who are "
                  "still trading sex, and it does not stop us from working with sex worker "
                  "safety organisations.",
     "we_do": "We serve people whether or not they are in the sex trades today, and we never make "
              "leaving the sex trades a condition of any service. We fund the peer-led outreach "
              "of Safe Nights Collective from donations, not from this grant."},
]
FOUNDATION = {
    "funder_name": "Riverbend Community Foundation", "funder_type": "foundation",
    "programme": "General operating support",
    "description": "Unrestricted money: it keeps the drop-in open and pays for whatever the "
                   "other grants cannot.",
    "amount": None, "amount_band": "100k-250k", "currency": "USD",
    "starts_on": dt.date(2025, 1, 1), "ends_on": dt.date(2026, 12, 31), "client_data": "aggregate",
    "client_data_detail": "A yearly report with totals and stories that people have agreed to share.",
}
STATE = {
    "funder_name": "State Department of Health", "funder_type": "state",
    "programme": "HIV Prevention and Harm Reduction",
    "description": "Safer sex and safer use supplies, naloxone and testing referrals.",
    "amount": 68_000, "amount_band": "", "currency": "USD",
    "starts_on": dt.date(2025, 7, 1), "ends_on": dt.date(2026, 6, 30), "client_data": "aggregate",
    "client_data_detail": "Monthly counts of supplies handed out. We do not keep a list of who "
                          "takes them.",
}
DONORS = {
    "funder_name": "Individual donors", "funder_type": "individual", "programme": "",
    "description": "Gifts from about 400 people, most of them under 100 dollars.",
    "amount": 38_500, "amount_band": "", "currency": "USD", "starts_on": dt.date(2025, 1, 1),
    "ends_on": dt.date(2025, 12, 31), "client_data": "nothing", "client_data_detail": "",
}
TRAINING = {
    "funder_name": "Training fees", "funder_type": "earned",
    "programme": "Trainings for health and housing providers",
    "description": "What other organisations pay us for trainings led by survivors and sex "
                   "workers, who are paid for their time.",
    "amount": 12_000, "amount_band": "", "currency": "USD", "starts_on": None, "ends_on": None,
    "client_data": "nothing", "client_data_detail": "",
}
CITY = {
    "funder_name": "City Office of Housing Stability", "funder_type": "local",
    "programme": "Rapid Rehousing",
    "description": "Deposits and up to six months of rent for people moving into their own place.",
    "amount": None, "amount_band": "50k-100k", "currency": "USD",
    "starts_on": dt.date(2025, 4, 1), "ends_on": dt.date(2026, 3, 31),
    "client_data": "with-release",
    "client_data_detail": "To put someone on the city's housing list we must enter their name and "
                          "date of birth in the city's housing system. We do it only with that "
                          "person's written permission, which ends when their housing search ends.",
}
CITY_RESTRICTION = {
    "kind": "client-condition", "summary": "Rapid rehousing needs an entry in the city's housing system",
    "terms_say": "The city pays rent only for people entered in its coordinated housing system with "
                 "a name and a date of birth. The city does not share that system with the police "
                 "and does not ask about immigration status or the sex trades.",
    "we_do": "We explain this before anyone applies, and we enter nobody without their written "
             "permission. Every other service works without ID and without any record in the "
             "city's system.",
}
PARTNERSHIPS = [
    {"name": "County Sheriff's Office, Human Trafficking Task Force", "kind": "law-enforcement",
     "basis": "funder",
     "purpose": "Our federal grant requires us to take part in the county's anti-trafficking "
                "task force. We also keep contacts with a few officers for survivors who choose to "
                "report a crime, or who need a law enforcement declaration for an immigration "
                "application (a T visa).",
     "shared": "aggregate",
     "shared_detail": "At the quarterly task force meeting we give the same counts we give the "
                      "funder. We never share names, photos, phone numbers or where anyone lives "
                      "or works, and we do not take part in raids, stings or “rescue” operations.",
     "safeguards": "Whether the police are ever involved is the client's decision alone. Staff do "
                   "not go on operations and do not appear in press events with the police. If "
                   "an officer harms someone we serve, we help them make a complaint and we raise "
                   "it at the task force."},
    {"name": "Municipal Human Trafficking Intervention Court", "kind": "courts", "basis": "chosen",
     "purpose": "The court sends people to us instead of to jail. We take these referrals so that "
                "people arrested for selling sex can get help that is not tied to a conviction.",
     "shared": "with-release",
     "shared_detail": "Only whether someone came to their sessions, and only if they sign a "
                      "release that ends when their case closes. Never what they told us.",
     "safeguards": "We tell everyone the court sends that our services are voluntary and that "
                   "nothing they say is passed to the court. They can keep using our services "
                   "after their case ends, or stop at any time."},
    {"name": "Immigrant Legal Aid Project", "kind": "immigration", "basis": "chosen",
     "purpose": "Free immigration lawyers for T visas, U visas and other protection.",
     "shared": "with-release",
     "shared_detail": "Contact details and the documents the person chooses to share, with a "
                      "signed release for each referral.",
     "safeguards": "They never contact immigration enforcement about our clients, and they meet "
                   "people at our drop-in if that feels safer."},
    {"name": "Eastside Community Health Clinic", "kind": "health", "basis": "chosen",
     "purpose": "Walk-in health care, sexual health and testing, without questions about work.",
     "shared": "with-release",
     "shared_detail": "A referral with a first name and a phone number, only when the person asks.",
     "safeguards": "The clinic has agreed not to record anyone's involvement in the sex trades "
                   "unless the person asks them to."},
    {"name": "Safe Nights Collective", "kind": "sex-worker-safety", "basis": "chosen",
     "purpose": "A peer-led sex worker safety organisation. They lead outreach, train our staff, "
                "and offer peer support to people who would rather not use our services.",
     "shared": "nothing", "shared_detail": "",
     "safeguards": "We pay them for their time and advice. We refer people to them only when "
                   "people ask, and we never use their outreach to find people for the police "
                   "or the courts."},
]
NOT_ANYTHING = ["therapy", "religion", "leaving", "police", "sobriety", "id", "story"]


def _services(ids: dict[str, str]) -> list[dict]:
    """The demo services, paid for by the funders in `ids`."""
    found = [
        {"name": "Drop-in centre",
         "description": "Food, showers, laundry, phone charging, and someone to talk to.",
         "eligibility": "Anyone who trades sex now or did in the past, however they describe it.",
         "requirements": "Nothing. Come in during opening hours; you do not have to give your name.",
         "not_required": NOT_ANYTHING, "not_required_note": "",
         "funded_by": [ids["foundation"], ids["donors"]], "limited_by": None, "referrals": ""},
        {"name": "Case management",
         "description": "A case manager helps with safety planning, benefits, housing, legal "
                        "matters and anything else you want to work on.",
         "eligibility": "Anyone who uses the drop-in. The federal grant pays for people who have "
                        "experienced trafficking; for everyone else the same help is paid for "
                        "from other money.",
         "requirements": "A first meeting to agree what you want help with. You choose the goals.",
         "not_required": NOT_ANYTHING,
         "not_required_note": "You do not have to call yourself a survivor or a victim.",
         "funded_by": [ids["federal"], ids["foundation"]],
         "limited_by": ids["federal-eligibility"],
         "referrals": "If the federal grant cannot pay for you, you still get a case manager: "
                      "just say so at the drop-in. Safe Nights Collective offers peer support if "
                      "you would rather work with people who have been in the sex trades."},
        {"name": "Harm reduction supplies",
         "description": "Condoms, lube, safer use kits, naloxone and testing referrals.",
         "eligibility": "Anyone.", "requirements": "Nothing: take what you need.",
         "not_required": NOT_ANYTHING, "not_required_note": "",
         "funded_by": [ids["state"]], "limited_by": None, "referrals": ""},
    ]
    if "city" in ids:
        found.append(
            {"name": "Rapid rehousing",
             "description": "Help with a deposit and up to six months of rent in your own place.",
             "eligibility": "People without a safe place to live who want their own flat.",
             "requirements": "Your name and date of birth in the city's housing system, with your "
                             "written permission. Everything else stays with us.",
             "not_required": ["therapy", "religion", "leaving", "police", "sobriety", "story"],
             "not_required_note": "",
             "funded_by": [ids["city"]], "limited_by": ids["city-condition"],
             "referrals": "If you do not want to be in the city's system, Safe Nights Collective "
                          "keeps a list of shelters and landlords that do not ask for ID, and our "
                          "case managers can help you apply there."})
    return found


def _backdate(statement: Statement, days: int) -> None:
    """Move a demo statement into the past, so the history reads like a year of work."""
    day = clock.today() - dt.timedelta(days=days)
    snapshot = document.loads(statement.snapshot)
    snapshot["statement"]["publishedOn"] = day.isoformat()
    for item in snapshot["funding"]:
        item["dateModified"] = min(item["dateModified"], day.isoformat())
    # a demo-only rewrite of the frozen snapshot, done once while it is being made
    (Statement
     .update(snapshot=document.dumps(snapshot), published_on=day,
             published_at=dt.datetime.combine(day, dt.time(10, 30)))
     .where(Statement.id == statement.id)
     .execute())


INTRODUCTION_V1 = """We believe you have a right to know who pays for our work and what they ask of us.

This page lists every funder, what their money pays for, the restrictions that come with it and
**what we do about them**, and the organisations we work with, including law enforcement.
"""

INTRODUCTION_V2 = INTRODUCTION_V1 + """
Since our last statement we have a new city housing grant, and we now take referrals from the
intervention court. Both are explained below, with what we share and how we keep you safe.

Questions? Ask anyone at the drop-in, or use the [feedback form](/feedback): you do not have to
give your name.
"""

INTRODUCTION_ES = """Creemos que tienes derecho a saber quién paga nuestro trabajo y qué nos pide a cambio.

Esta página enumera a cada financiador, para qué es su dinero, las restricciones que trae y
**lo que hacemos al respecto**, y las organizaciones con las que trabajamos, incluida la policía.
"""


def demo_transparency() -> Iterator[str]:
    """Funders (a federal grant with its restrictions among them), partnerships (a law
    enforcement one disclosed in full), services and two published statements, once."""
    if FundingSource.select().exists() or Statement.select().exists():
        yield "Transparency already has records; left as they are."
        return
    staff = User.by_username("demo-staff")
    ids = {}
    federal = service.save_funding(staff, None, FEDERAL)
    ids["federal"] = federal.public_id
    for values in FEDERAL_RESTRICTIONS:
        restriction = service.save_restriction(staff, federal, None, values)
        ids.setdefault("federal-eligibility", restriction.public_id)
    for key, values in (("foundation", FOUNDATION), ("state", STATE), ("donors", DONORS),
                        ("training", TRAINING)):
        ids[key] = service.save_funding(staff, None, values).public_id
    for values in PARTNERSHIPS:
        if values["kind"] != "courts":
            service.save_partnership(staff, None, values)
    for values in _services(ids):
        service.save_service(staff, None, values)
    service.save_draft(staff, INTRODUCTION_V1, "", "exact")
    first = service.publish_draft(staff, service.draft().public_id)
    _backdate(first, 420)

    # a year later: a city grant with a condition on clients, and the court partnership
    city = service.save_funding(staff, None, CITY)
    ids["city"] = city.public_id
    ids["city-condition"] = service.save_restriction(staff, city, None, CITY_RESTRICTION).public_id
    service.save_partnership(staff, None, PARTNERSHIPS[1])
    service.save_service(staff, None, _services(ids)[-1])
    service.save_draft(staff, INTRODUCTION_V2, INTRODUCTION_ES, "exact")
    second = service.publish_draft(staff, service.draft().public_id)
    _backdate(second, 12)

    # and since then the state grant was renewed with a new amount, not yet published
    state = FundingSource.by_public_id(ids["state"])
    service.save_funding(staff, state, {**STATE, "amount": 72_000, "starts_on": dt.date(2026, 7, 1),
                                        "ends_on": dt.date(2027, 6, 30)})
    changes = json.loads(Statement.get_by_id(second.id).changes)
    yield (f"Created 7 funders, {len(PARTNERSHIPS)} partnerships and 4 services, and published "
           f"2 transparency statements ({len(changes)} changes in the second).")
    yield "Read them at /transparency; staff edit them at /staff/transparency."
