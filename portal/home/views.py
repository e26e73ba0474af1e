"""The front page, /healthz and the admin's page for the organisation's texts."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from portal import kiosk as kiosk_mode
from portal import sitetexts
from portal.home import forms, service
from portal.i18n import LANGUAGES
from portal.i18n import gettext as _
from portal.security import admin_required, public

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():
    """What the organisation offers and links to everything public."""
    return render_template("home/index.html")


@bp.route("/safety")
@public
def safety():
    """Staying safe online: history, private windows, shared phones, and what we cannot do."""
    return render_template("home/safety.html")


@bp.route("/kiosk", methods=["GET", "POST"])
@public
def kiosk():
    """Turn kiosk mode on or off for this device (a shared tablet in a drop-in centre)."""
    if request.method == "GET":
        return render_template("home/kiosk.html")
    mode = request.form.get("mode")
    if mode not in ("on", "off"):
        flash(_("Choose whether to turn kiosk mode on or off."), "error")
        return render_template("home/kiosk.html"), 400
    flash(_("Kiosk mode is on for this device.") if mode == "on" else
          _("Kiosk mode is off for this device."), "success")
    response = redirect(url_for("home.kiosk"))
    kiosk_mode.set_mode(response, mode == "on")
    return response


@bp.route("/kiosk/clear")
@public
def kiosk_clear():
    """Wipe the screen for the next person: what this site left on the device, then the front page."""
    return kiosk_mode.clear(redirect(url_for("home.index")))


@bp.route("/healthz")
@public
def healthz():
    """Answer 200 with nothing in it, for load balancers and monitors."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/staff/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Admins set the organisation's name, the quick exit and the texts people read, per language."""
    form = forms.settings_form()
    if form.validate_on_submit():
        changed = service.save_texts(g.user, forms.submitted_values(form))
        flash(_("The organisation's texts were saved.") if changed else _("Nothing was changed."),
              "success")
        return redirect(url_for("home.settings"))
    texts = [(entry, [(language, form[forms.field_name(entry.key, language)],
                       sitetexts.default_text(entry.key, language)) for language in LANGUAGES])
             for entry in sitetexts.REGISTRY.values()]
    return render_template("staff/settings.html", form=form, texts=texts)
