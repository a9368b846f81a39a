"""Course pages: the catalogue, a module's overview, its sections, reference cards, search, media."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn.extensions import db, limiter
from elearn.modules.auth.decorators import login_required
from elearn.modules.courses import pages
from elearn.modules.courses.search import search as search_content
from elearn.modules.courses.services import catalogue, content_dir
from elearn.modules.progress import services as progress
from elearn.pagecache import render_shared

bp = Blueprint("courses", __name__, template_folder="templates")
# Reading pages carry no rate limits; exempting them spares the limiter's lookup on every request.
limiter.exempt(bp)
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp", ".pdf": "application/pdf"}


def _locale() -> str:
    return str(get_locale())


def _module_or_404(slug: str):
    module = catalogue().module(slug)
    if module is None:
        abort(404)
    return module


@bp.route("/modules")
@login_required
def modules():
    groups = pages.catalogue_groups(catalogue(), current_user.id, _locale())
    return render_template("courses/catalogue.html", groups=groups)


@bp.route("/modules/<slug>")
@login_required
def module(slug: str):
    module = _module_or_404(slug)
    progress.start(current_user.id, module)
    db.session.commit()
    view = pages.module_page(catalogue(), module, current_user.id, _locale())
    return render_template("courses/module.html", page=view)


@bp.route("/modules/<slug>/<section_id>")
@login_required
def section(slug: str, section_id: str):
    module = _module_or_404(slug)
    view = pages.section_page(catalogue(), module, section_id, current_user.id, _locale())
    if view is None:
        abort(404)
    return render_shared("courses/section.html", page=view)


@bp.route("/modules/<slug>/<section_id>/read", methods=["POST"])
@login_required
def mark_read(slug: str, section_id: str):
    module = _module_or_404(slug)
    if section_id not in module.section_ids:
        abort(404)
    reading = progress.mark_read(current_user.id, module, section_id)
    db.session.commit()
    if reading.completed_now:
        flash(_("You have completed the module."), "success")
        return redirect(url_for("courses.module", slug=slug))
    following = pages.next_section(module, section_id)
    if following is None:
        return redirect(url_for("courses.module", slug=slug))
    return redirect(url_for("courses.section", slug=slug, section_id=following))


@bp.route("/reference")
@login_required
def cards():
    return render_template("courses/cards.html", cards=pages.card_list(catalogue(), _locale()))


@bp.route("/reference/<slug>")
@login_required
def card(slug: str):
    card = catalogue().card(slug)
    if card is None:
        abort(404)
    return render_template("courses/card.html", page=pages.card_page(catalogue(), card, _locale()))


@bp.route("/search")
@login_required
def search():
    query = request.args.get("q", "")[:200]
    results = search_content(catalogue(), query, _locale()) if query.strip() else []
    return render_template("courses/search.html", query=query, results=results)


@bp.route("/content/media/<path:filename>")
@login_required
def media(filename: str):
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in MEDIA_TYPES:
        abort(404)
    response = send_from_directory(content_dir(current_app) / "media", filename,
                                   mimetype=MEDIA_TYPES[extension], max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.route("/sw.js")
def service_worker():
    response = send_from_directory(current_app.static_folder, "js/sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response
