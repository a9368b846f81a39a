"""Flask extensions, unbound; create_app binds them with init_app."""

from flask import g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from elearn.search import danish_sort_key, unicode_lower

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

def enum_values(enum_class) -> list[str]:
    """Store an enum's values ('learner'), not its member names ('LEARNER')."""
    return [member.value for member in enum_class]


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
migrate = Migrate()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL for concurrent readers, enforced foreign keys, waiting instead of failing on a lock, and
    a Unicode-aware lower-case function for search and a Danish sort key (see elearn.search)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("unicode_lower", 1, unicode_lower, deterministic=True)
        dbapi_connection.create_function("danish_sort_key", 1, danish_sort_key, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def read_connection():
    """A plain connection for the request's hot reads (the session user, a page's progress): cheaper
    than an ORM session, shared by the request, closed when the request ends (see init_reads)."""
    connection = g.get("_elearn_read_connection")
    if connection is None:
        connection = g._elearn_read_connection = db.engine.connect()
    return connection


def init_reads(app) -> None:
    @app.teardown_appcontext
    def _close_read_connection(_error=None):
        connection = g.pop("_elearn_read_connection", None)
        if connection is not None:
            connection.close()
