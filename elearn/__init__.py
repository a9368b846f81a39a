"""elearn: the training platform that teaches police to handle stalking cases well."""

from __future__ import annotations

from flask import Flask

from elearn import config, events
from elearn.commands import register_commands
from elearn.content import load_content
from elearn.errors import register_error_handlers
from elearn.extensions import csrf, db, init_reads, limiter, login_manager, migrate
from elearn.i18n import init_i18n
from elearn.logs import init_logging
from elearn.metrics import init_metrics
from elearn.modules import BLUEPRINTS
from elearn.modules.certification.services import evaluate_user_id
from elearn.modules.courses.services import LOADER_KEY
from elearn.routing import init_routing
from elearn.security import init_security
from elearn.templating import init_templating

__version__ = "0.1.0"


def create_app(overrides: dict | None = None, *, defer_content: bool = False) -> Flask:
    """Build the app: config, extensions, blueprints, errors, and the course content (loaded and
    checked once; raises ContentError listing every problem when it is broken). Creates no tables and
    opens no network. defer_content (the command line) loads the content at its first use instead."""
    app = Flask(__name__, instance_relative_config=True, static_folder=str(config.STATIC_DIR))
    config.load(app, overrides)
    init_logging(app)
    init_metrics(app)

    db.init_app(app)
    init_reads(app)
    migrate.init_app(app, db, directory=str(config.MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # server-side sessions do this job (see auth.services)
    init_i18n(app)
    init_security(app)
    init_routing(app)
    register_error_handlers(app)

    init_templating(app)
    register_commands(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # A quiz passed, a module completed or a workshop attended may earn a certificate (events.py).
    events.subscribe(app, events.EVIDENCE_CHANGED, evaluate_user_id)
    if defer_content:
        app.extensions[LOADER_KEY] = lambda: load_content(app)
    else:
        load_content(app)
    return app
