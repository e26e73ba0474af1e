"""Log in and out, one's own account, and the admin's user list."""
from __future__ import annotations

import textwrap
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_datetime

from portal import drafts, sealing
from portal.accounts import audit, keys, sealed, service
from portal.accounts.audit import AuditEntry, action_label, day_only_actions
from portal.accounts.forms import (
    AccountActionForm,
    AuditFilterForm,
    ChangePasswordForm,
    DisableTotpForm,
    EnableTotpForm,
    InviteForm,
    LoginForm,
    SecondFactorForm,
    SetupForm,
)
from portal.accounts.models import User
from portal.areas import dashboard_cards
from portal.clock import today
from portal.db import write_transaction
from portal.export import csv_response
from portal.i18n import gettext as _
from portal.qr import qr_svg
from portal.roles import ROLE_CHOICES, is_staff, needs_second_factor
from portal.security import (
    admin_required,
    end_session,
    is_safe_next,
    login_required,
    public,
    staff_required,
    start_session,
)
from portal.throttle import LOGIN_LIMIT, limiter

bp = Blueprint("accounts", __name__)
PENDING_SECONDS = 300
PENDING_TOTP = "totp-pending"


def _after_login_target(next_path: str | None) -> str:
    """Where to go once logged in."""
    if is_safe_next(next_path):
        return next_path
    user = g.user
    if user.is_staff:
        return url_for("accounts.staff_home")
    # an area may give a role its own start page (the council's member home)
    home = current_app.config.get("ROLE_HOME", {}).get(user.role)
    return url_for(home) if home else url_for("home.index")


def _ask_second_factor(user: User, next_path: str | None, private_key: bytes | None):
    """Remember a pending login (bound to the account's server-side turn) and ask for a code;
    the key the password opened waits, sealed in the session, for the code."""
    turn = service.begin_second_factor(user)
    previous = dict(session)
    session.clear()
    drafts.carry_over(previous)
    session["pending"] = {"uid": user.id, "ver": user.session_version, "turn": turn,
                          "at": int(time.time()), "next": next_path or ""}
    keys.carry_pending(private_key, user)
    return redirect(url_for("accounts.login_verify"))


def _pending_user() -> User | None:
    """The account of a current pending login in this browser, or None."""
    pending = session.get("pending")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.get_or_none(User.id == pending.get("uid"))
    if (user is None or not user.is_active or user.session_version != pending.get("ver")
            or user.pending_login != pending.get("turn")):
        return None
    return user


def _finish_login(user: User, next_path: str | None, private_key: bytes | None = None):
    """Start the session and leave the login pages."""
    start_session(user)
    g.user = user
    recovery_key = keys.after_login(user, private_key)
    opener = sealed.reader()
    if opener is not None:
        sealed.file_sealed(opener)
    if recovery_key:
        # shown once, in this answer only: never stored, never in an address or a cookie
        then = (url_for("accounts.two_factor") if needs_second_factor(user.role) and not user.totp_enabled
                else _after_login_target(next_path))
        return render_template("accounts/recovery_key.html", recovery_key=recovery_key, then=then)
    if needs_second_factor(user.role) and not user.totp_enabled:
        flash(_("Admins need a second factor. Set it up now."), "info")
        return redirect(url_for("accounts.two_factor"))
    return redirect(_after_login_target(next_path))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@public
def login():
    """Ask for user name and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = service.login_attempt(form.username.data, form.password.data)
        except service.AccountError as error:
            form.username.errors.append(str(error))
            return render_template("accounts/login.html", form=form), 429
        if user is None:
            form.password.errors.append(_("That user name and password do not match an active account."))
        elif user.totp_enabled:
            return _ask_second_factor(user, form.next.data, keys.unlock(user, form.password.data))
        else:
            return _finish_login(user, form.next.data, keys.unlock(user, form.password.data))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@public
def login_verify():
    """Ask for the second factor after a correct password (or a new one set through a link)."""
    user = _pending_user()
    if user is None:
        session.clear()
        flash(_("Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        pending = session["pending"]
        # each try uses up the turn; a copy of this cookie in another browser has none left
        if not service.take_code_turn(user.id, pending["turn"]):
            session.clear()
            flash(_("Please log in again."), "info")
            return redirect(url_for("accounts.login"))
        session["pending"] = {**pending, "turn": pending["turn"] + 1}
        try:
            accepted = service.second_factor_attempt(user, form.code.data)
        except service.AccountError as error:
            form.code.errors.append(str(error))
            return render_template("accounts/verify.html", form=form), 429
        if accepted:
            return _finish_login(user, pending.get("next"), keys.take_pending(user))
        form.code.errors.append(_("That code did not work. Codes change every 30 seconds."))
    return render_template("accounts/verify.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout():
    """Log out everywhere this account is logged in."""
    form = AccountActionForm()
    if request.method == "POST" and form.validate_on_submit():
        if g.user is not None:
            service.end_all_sessions(g.user)
        end_session()
        flash(_("You are logged out."), "success")
        return redirect(url_for("home.index"))
    if g.user is None:
        return redirect(url_for("home.index"))
    return render_template("accounts/logout.html", form=form)


@bp.route("/account/setup", methods=["GET", "POST"])
@public
def setup():
    """Choose a password through a one-time link (first admin, invitation or reset)."""
    form = SetupForm(token=request.args.get("token", ""))
    link = service.find_link(form.token.data or "")
    if link is None:
        return render_template("accounts/setup_invalid.html"), 404
    if request.method == "GET" and link.username and not link.user_id:
        # the admin's name is only a suggestion: the person may keep it or choose their own
        form.username.data = link.username
    if form.validate_on_submit():
        try:
            user = service.use_link(form.token.data, form.username.data or "",
                                    form.password.data, form.display_name.data or "")
        except service.AccountError as error:
            problem_field = form.username if isinstance(error, service.UsernameError) else form.password
            problem_field.errors.append(str(error))
        else:
            # a link someone intercepted must not be enough: the second factor still counts
            private_key = keys.unlock(user, form.password.data)
            response = (_ask_second_factor(user, None, private_key) if user.totp_enabled
                        else _finish_login(user, None, private_key))
            # after the session was started afresh, so the message is not cleared with it
            flash(_("Your password is set. Welcome."), "success")
            return response
    return render_template("accounts/setup.html", form=form, link=link)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """One's own account: password and second factor."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        private_key = keys.current_private_key()
        try:
            service.change_password(g.user, form.current.data, form.password.data)
        except service.AccountError as error:
            form.password.errors.append(str(error))
        else:
            g.user = User.get_by_id(g.user.id)
            start_session(g.user)
            keys.carry(private_key, g.user)
            keys.carry_personal()
            flash(_("Password changed. You were logged out everywhere else."), "success")
            return redirect(url_for("accounts.account"))
    remaining = service.remaining_recovery_codes(g.user) if g.user.totp_enabled else 0
    return render_template("accounts/account.html", form=form, remaining=remaining,
                           sealed_access=_sealed_access(g.user))


def _sealed_access(user: User) -> str:
    """Whether an account can read sealed records: "council", "yes", "relogin" or "no"."""
    if not user.is_staff:
        return "council"
    if keys.can_read(user):
        return "yes" if keys.current_private_key() is not None else "relogin"
    return "no"


def _pending_totp_secret() -> str:
    """The key of an authenticator app being set up, kept in this session (encrypted: the cookie
    is only signed) until the app is confirmed or the set-up cancelled, so opening the page again
    shows the same key and a code from an app that already added it still works."""
    stored = session.get(PENDING_TOTP)
    if stored:
        try:
            secret = sealing.decrypt_with_app_key(stored, current_app.secret_key, PENDING_TOTP)
        except sealing.SealingError:
            secret = None
        if service.is_totp_secret(secret):
            return secret
    secret = service.new_totp_secret()
    session[PENDING_TOTP] = sealing.encrypt_with_app_key(secret, current_app.secret_key, PENDING_TOTP)
    return secret


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Set up (or turn off) an authenticator app."""
    user = g.user
    if user.totp_enabled:
        form = DisableTotpForm()
        if form.validate_on_submit():
            try:
                service.disable_totp(user, form.password.data)
            except service.AccountError as error:
                form.password.errors.append(str(error))
            else:
                flash(_("The second factor is off."), "success")
                return redirect(url_for("accounts.account"))
        return render_template("accounts/two_factor_on.html", form=form)
    form = EnableTotpForm()
    if request.method == "POST" and "cancel" in request.form:
        if AccountActionForm().validate_on_submit():
            session.pop(PENDING_TOTP, None)
            flash(_("Set-up cancelled. The key shown before will not work."), "success")
        return redirect(url_for("accounts.account"))
    if not service.is_totp_secret(form.secret.data):
        form.secret.data = _pending_totp_secret()
    if form.validate_on_submit():
        try:
            codes = service.enable_totp(user, form.secret.data, form.code.data)
        except service.AccountError as error:
            form.code.errors.append(str(error))
        else:
            session.pop(PENDING_TOTP, None)
            text = "\r\n".join([_("Recovery codes: each works once, instead of a code from the app."),
                                  "", *codes, ""])
            return render_template("accounts/recovery_codes.html", codes=codes, codes_text=text)
    uri = service.provisioning_uri(user, form.secret.data)
    qr = qr_svg(uri, _("QR code to add this account to an authenticator app"))
    return render_template("accounts/two_factor_setup.html", form=form, uri=uri, qr=qr,
                           grouped_secret=" ".join(textwrap.wrap(form.secret.data, 4)))


@bp.route("/staff/")
@staff_required
def staff_home():
    """The staff dashboard: what waits in each area, those needing someone first."""
    return render_template("staff/home.html", cards=dashboard_cards(current_app, g.user))


@bp.route("/staff/users", methods=["GET", "POST"])
@admin_required
def users():
    """Admins invite people and see every account."""
    form = InviteForm()
    new_link = None
    carries_key = False
    form_role = ""
    if form.validate_on_submit():
        if User.by_username(form.username.data) is not None:
            form.username.errors.append(_("That user name is taken. Choose another."))
        else:
            token = service.issue_link("invite", form.role.data, username=form.username.data,
                                       created_by=g.user)
            new_link = service.link_for(token)
            carries_key = keys.attach_to_invitation(token, keys.current_private_key())
            form_role = form.role.data
            form = InviteForm(formdata=None)
    roster = list(User.roster())
    return render_template("staff/users.html", form=form, new_link=new_link,
                           carries_key=carries_key, invited_staff=bool(new_link) and is_staff(form_role),
                           readers=keys.readers(),
                           key_pairs=keys.accounts_with_key_pairs(),
                           can_grant=keys.current_private_key() is not None,
                           users=roster, action_form=AccountActionForm(),
                           links=service.pending_links(),
                           audit_entries=AuditEntry.latest(50), action_label=action_label,
                           day_only=day_only_actions(),
                           names={user.id: user.username for user in roster},
                           role_label=ROLE_CHOICES.label)


def _audit_query(form: AuditFilterForm):
    """The trail narrowed by the filters; unreadable values are simply not applied."""
    person = form.person.data or ""
    actor_id = int(person) if person.isdigit() and len(person) < 19 else None
    action = form.action.data if form.action.data in audit.vocabulary() else ""
    since = form.since.data if form.since.data and not form.since.errors else None
    until = form.until.data if form.until.data and not form.until.errors else None
    return audit.filtered(actor_id, person == "system", action, since, until)


def _audit_filters() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.validate()
    people = sorted(User.roster(), key=lambda user: user.username.lower())
    form.person.choices = [("", _("Anyone")), ("system", _("the system"))] + [
        (str(user.id), user.username) for user in people]
    form.action.choices = [("", _("Any change"))] + sorted(
        ((action, str(label)) for action, label in audit.vocabulary().items()), key=lambda pair: pair[1])
    return form


def _audit_sentences(entries) -> list[tuple[object, str]]:
    """Each entry in words: "ana deactivated demo-staff on 3 Mar 2026" (the day only where the
    entry keeps no time)."""
    ids = {entry.subject_id for entry in entries
           if entry.subject_id is not None and audit.subject_is_account(entry.action)}
    names = {user.id: user.username for user in User.select(User.id, User.username).where(User.id.in_(ids))}
    day_only = day_only_actions()
    described = []
    for entry in entries:
        subject = ""
        if entry.subject_id is not None:
            subject = (names.get(entry.subject_id, _("a removed account"))
                       if audit.subject_is_account(entry.action) else f"#{entry.subject_id}")
        when = (format_date(entry.created_at.date(), "medium") if entry.action in day_only
                else format_datetime(entry.created_at, "medium"))
        sentence = _("%(actor)s %(action)s %(subject)s on %(when)s",
                     actor=entry.actor.username if entry.actor else _("the system"),
                     action=action_label(entry.action), subject=subject, when=when)
        described.append((entry, " ".join(sentence.split())))
    return described


@bp.route("/staff/audit")
@admin_required
def audit_trail():
    """Every recorded change, in words, newest first, filtered by person, action and days."""
    form = _audit_filters()
    entries = list(_audit_query(form).limit(audit.PAGE_SIZE + 1))
    return render_template("staff/audit.html", form=form, rows=_audit_sentences(entries[:audit.PAGE_SIZE]),
                           more=len(entries) > audit.PAGE_SIZE, query=request.query_string.decode())


@bp.route("/staff/audit.csv")
@admin_required
def audit_export():
    """The filtered trail as CSV (the download itself is recorded)."""
    form = _audit_filters()
    with write_transaction():
        audit.record(g.user, "accounts.audit_export")

    def rows():
        batch = list(_audit_query(form))
        for entry, sentence in _audit_sentences(batch):
            yield [entry.created_at.date().isoformat() if entry.action in day_only_actions()
                   else entry.created_at.isoformat(timespec="seconds"),
                   entry.actor.username if entry.actor else "", entry.action,
                   entry.subject_id if entry.subject_id is not None else "", sentence]
    return csv_response(f"audit-{today().isoformat()}.csv", ["when", "who", "action", "subject", "in_words"],
                        rows())


@bp.route("/staff/users/<id:user_id>/<any(deactivate, activate, reset):action>", methods=["POST"])
@admin_required
def user_action(user_id: int, action: str):
    """Deactivate, reactivate, or issue a reset link for one account."""
    form = AccountActionForm()
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    if action == "reset":
        token = service.issue_link("reset", user.role, user=user, created_by=g.user)
        return render_template("staff/reset_link.html", target=user, new_link=service.link_for(token))
    try:
        service.set_active(g.user, user, action == "activate")
    except service.AccountError as error:
        flash(str(error), "error")
    else:
        flash(_("Account %(name)s updated.", name=user.username), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/staff/users/<id:user_id>/complaints", methods=["POST"])
@admin_required
def complaints(user_id: int):
    """Name an account to read complaints kept from the rest of the team, or stop naming it."""
    form = AccountActionForm()
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.set_handles_complaints(g.user, user, not user.handles_complaints)
    except service.AccountError as error:
        flash(str(error), "error")
    else:
        if user.handles_complaints:
            flash(_("%(name)s now reads complaints kept from the rest of the team.", name=user.username),
                  "success")
        else:
            flash(_("%(name)s no longer reads complaints kept from the rest of the team.",
                    name=user.username), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/staff/users/links/<id:link_id>/revoke", methods=["POST"])
@admin_required
def revoke_link(link_id: int):
    """Withdraw a link that was not used yet."""
    if not AccountActionForm().validate_on_submit():
        abort(400)
    if not service.revoke_link(g.user, link_id):
        abort(404)
    flash(_("The link was revoked. It no longer works."), "success")
    return redirect(url_for("accounts.users"))


def require_admin_second_factor():
    """Before each request: an admin without a second factor may only set one up."""
    user = g.get("user")
    if user is None or not needs_second_factor(user.role) or user.totp_enabled:
        return None
    if request.endpoint in ("accounts.two_factor", "accounts.logout", "static"):
        return None
    return redirect(url_for("accounts.two_factor"))


@bp.route("/staff/users/<id:user_id>/grant", methods=["POST"])
@admin_required
def grant_key(user_id: int):
    """Give an account access to sealed records with the key this admin's session holds."""
    form = AccountActionForm()
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    try:
        keys.grant(g.user, user, keys.current_private_key())
    except keys.KeyAccessError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s can now read sealed records (after their next login).", name=user.username),
              "success")
    return redirect(url_for("accounts.users"))
