"""What every template can use: the navigation the current user may see, the site name, the locale."""

from __future__ import annotations

from dataclasses import dataclass

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
    NavItem(_l("People"), "admin.people", (Role.COORDINATOR, Role.ADMIN)),
    NavItem(_l("Users"), "admin.users", (Role.ADMIN,)),
    NavItem(_l("Units"), "admin.units_list", (Role.ADMIN,)),
    NavItem(_l("Account"), "auth.account"),
)


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for item in NAVIGATION:
        if item.roles and not current_user.has_role(*item.roles):
            continue
        items.append({"label": item.label, "url": url_for(item.endpoint),
                      "current": request.endpoint == item.endpoint})
    return items


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {"site_name": app.config["SITE_NAME"], "navigation": navigation,
                "current_locale": str(get_locale())}
