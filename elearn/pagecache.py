"""Reusing a rendered page for every viewer with the same roles.

A page that depends only on the locale, the viewer's roles, its address and a view model (frozen,
hashable values) is rendered once for a faceless viewer, who has those roles and no name or e-mail, and
kept; each request puts its own CSRF token in. A page with flash messages or a query string is always
rendered afresh (a query string would let anyone fill the cache).
This keeps a course page close to the cost of the framework itself (see bench/bench_content.py).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from flask import render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from elearn.modules.auth.principal import Principal

CSRF_MARKER = "csrf" + secrets.token_hex(16)
MAX_PAGES = 2048
MAX_TOKENS = 8192
_pages: OrderedDict = OrderedDict()
_signed: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _faceless(roles) -> Principal:
    """A viewer with these roles and nothing else: no id, name, e-mail, unit or language."""
    return Principal(0, "", "", None, None, None, roles)


def render_shared(template: str, **context) -> str:
    """render_template(template, **context), reused across viewers with the same roles and locale."""
    viewer = current_user._get_current_object()
    if "_flashes" in session or request.query_string or not viewer.is_authenticated:
        return render_template(template, **context)
    key = (template, str(get_locale()), viewer.roles, request.path, tuple(sorted(context.items())))
    with _lock:
        html = _pages.get(key)
        if html is not None:
            _pages.move_to_end(key)
    if html is None:
        html = render_template(template, current_user=_faceless(viewer.roles),
                               csrf_token=lambda: CSRF_MARKER, **context)
        with _lock:
            _pages[key] = html
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    return html.replace(CSRF_MARKER, _csrf_token())


def _csrf_token() -> str:
    """The viewer's signed CSRF token. Tokens do not expire on their own (they live and die with the
    session), so the signature of a session's token is computed once and remembered."""
    raw = session.get("csrf_token")
    signed = _signed.get(raw) if raw else None
    if signed is None:
        signed = generate_csrf()
        raw = session.get("csrf_token")
        with _lock:
            _signed[raw] = signed
            while len(_signed) > MAX_TOKENS:
                _signed.popitem(last=False)
    return signed
