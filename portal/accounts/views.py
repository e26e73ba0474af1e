"""Log in and out, one's own account, and the admin's user list."""
from __future__ import annotations

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

from portal.accounts import keys, sealed, service
from portal.accounts.audit import AuditEntry, action_label, day_only_actions
from portal.accounts.forms import (
    AccountActionForm,
    ChangePasswordForm,
    DisableTotpForm,
    EnableTotpForm,
    InviteForm,
    LoginForm,
    SecondFactorForm,
    SetupForm,
)
from portal.accounts.models import User
from portal.i18n import gettext as _
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
    session.clear()
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
    if request.method == "GET" and link.role == "council" and link.username and not link.user_id:
        form.username.data = link.username
    if form.validate_on_submit():
        try:
            user = service.use_link(form.token.data, form.username.data or "",
                                    form.password.data, form.display_name.data or "")
        except service.AccountError as error:
            form.password.errors.append(str(error))
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
    if not service.is_totp_secret(form.secret.data):
        form.secret.data = service.new_totp_secret()
    if form.validate_on_submit():
        try:
            codes = service.enable_totp(user, form.secret.data, form.code.data)
        except service.AccountError as error:
            form.code.errors.append(str(error))
        else:
            return render_template("accounts/recovery_codes.html", codes=codes)
    uri = service.provisioning_uri(user, form.secret.data)
    return render_template("accounts/two_factor_setup.html", form=form, uri=uri)


@bp.route("/staff/")
@staff_required
def staff_home():
    """The staff start page."""
    return render_template("staff/home.html")


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
