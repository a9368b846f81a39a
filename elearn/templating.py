"""What every template can use: the navigation the current user may see, the site name, the locale."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from elearn.modules.auth.models import Role


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    roles: tuple[Role, ...] = ()


NAVIGATION = (
    NavItem(_l("Dashboard"), "core.dashboard"),
    NavItem(_l("Modules"), "courses.modules"),
    NavItem(_l("Reference cards"), "courses.cards"),
    NavItem(_l("Workshops"), "workshops.index"),
    NavItem(_l("Key officers"), "certification.key_officers"),
    NavItem(_l("Reports"), "reports.index", (Role.COORDINATOR, Role.ADMIN)),
    NavItem(_l("Sessions"), "workshops.manage", (Role.COORDINATOR, Role.ADMIN)),
    NavItem(_l("People"), "admin.people", (Role.COORDINATOR, Role.ADMIN)),
    NavItem(_l("Item analysis"), "quizzes.analysis_index", (Role.COORDINATOR, Role.ADMIN)),
    NavItem(_l("Certificates"), "certification.manage", (Role.COORDINATOR, Role.ADMIN)),
    NavItem(_l("Users"), "admin.users", (Role.ADMIN,)),
    NavItem(_l("Units"), "admin.units_list", (Role.ADMIN,)),
    NavItem(_l("Account"), "auth.account"),
)


@lru_cache(maxsize=64)
def _menu(locale: str, roles: frozenset[Role]) -> tuple[tuple[str, str, str], ...]:
    """(label, url, endpoint) of the items these roles see; the same for every request alike."""
    return tuple((str(item.label), url_for(item.endpoint), item.endpoint) for item in NAVIGATION
                 if not item.roles or roles.intersection(item.roles))


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [{"label": label, "url": url, "current": request.endpoint == endpoint}
            for label, url, endpoint in _menu(str(get_locale()), current_user.roles)]


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {"site_name": app.config["SITE_NAME"], "navigation": navigation,
                "current_locale": str(get_locale())}
