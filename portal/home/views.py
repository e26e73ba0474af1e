"""The front page and /healthz."""
from __future__ import annotations

from flask import Blueprint, render_template

from portal.security import public

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


@bp.route("/healthz")
@public
def healthz():
    """Answer 200 with nothing in it, for load balancers and monitors."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
