"""The negotiations a user may open, with their state at a glance."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..extensions import db
from ..services import negotiations as service

bp = Blueprint("negotiations", __name__)


@bp.route("/negotiations")
def index():
    return render_template("negotiations/index.html", negotiations=service.negotiations_of(db.session, current_user))
