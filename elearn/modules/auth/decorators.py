"""Access control as view decorators: anonymous users are sent to log in, the wrong role gets 403."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from elearn.extensions import login_manager
from elearn.modules.auth.models import Role


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapper


def role_required(*roles: Role):
    """Let a user through who holds any of roles."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


admin_required = role_required(Role.ADMIN)
coordinator_required = role_required(Role.COORDINATOR, Role.ADMIN)
