"""Health checks for /healthz, and the application figures /metrics reads at each scrape: each one
cheap (an indexed count, a PING), each part reported as a word, never with an address or a version."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.courses.services import EXTENSION_KEY as CATALOGUE_KEY
from elearn.modules.outbox.models import MessageStatus, OutboxMessage

OK, UNAVAILABLE, NOT_CONFIGURED = "ok", "unavailable", "not configured"
#: Seconds to connect to and hear from Redis before calling it down.
REDIS_TIMEOUT = 1.0

#: Seconds a process reuses its last health answer: a load balancer checking every instance often (or
#: someone hammering /healthz) costs one database and Redis round trip per process per period.
HEALTH_CACHE_SECONDS = 2.0
HEALTH_CACHE_KEY = "elearn.health"
_health_lock = threading.Lock()

log = logging.getLogger(__name__)


def database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("health: database unavailable: %s", type(error).__name__)
        db.session.rollback()
        return UNAVAILABLE
    return OK


def redis_status(url: str | None) -> str:
    """PING the configured Redis, giving up after REDIS_TIMEOUT (no retries)."""
    if not url:
        return NOT_CONFIGURED
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        log.warning("health: ELEARN_REDIS_URL is set but the redis package is not installed")
        return UNAVAILABLE
    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT,
                                  socket_timeout=REDIS_TIMEOUT, retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        log.warning("health: redis unavailable: %s", type(error).__name__)
        return UNAVAILABLE
    finally:
        client.close()
    return OK


def content_status() -> str:
    """ok when the course loaded at start-up has modules."""
    catalogue = current_app.extensions.get(CATALOGUE_KEY)
    return OK if catalogue is not None and catalogue.modules else UNAVAILABLE


def health() -> dict:
    """{status, database, redis, content}: status is "ok" when every configured part is ok, else
    "degraded". The answer is reused for HEALTH_CACHE_SECONDS by this process."""
    now = time.monotonic()
    with _health_lock:
        cached = current_app.extensions.get(HEALTH_CACHE_KEY)
    if cached is not None and 0 <= now - cached[0] < HEALTH_CACHE_SECONDS:
        return dict(cached[1])
    report = _check_health()
    with _health_lock:
        current_app.extensions[HEALTH_CACHE_KEY] = (now, report)
    return dict(report)


def _check_health() -> dict:
    parts = {"database": database_status(), "redis": redis_status(current_app.config.get("REDIS_URL")),
             "content": content_status()}
    healthy = all(state in (OK, NOT_CONFIGURED) for state in parts.values())
    return {"status": "ok" if healthy else "degraded", **parts}


def outbox_backlog(now: datetime) -> dict:
    """{"pending": n, "failed": n, "oldest_due_seconds": s}: messages waiting to be sent, given up,
    and how long the longest-waiting due message has waited (0 when none), read through the
    (status, next_attempt_at) index."""
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.FAILED]))
        .group_by(OutboxMessage.status)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now))
    return {"pending": counts.get(MessageStatus.PENDING, 0), "failed": counts.get(MessageStatus.FAILED, 0),
            "oldest_due_seconds": max((now - oldest).total_seconds(), 0.0) if oldest else 0.0}


def figures() -> list[GaugeMetricFamily]:
    """The application's gauges for a scrape: the outbox backlog and the course modules loaded. A
    database that does not answer leaves the outbox gauges out (the request metrics still show)."""
    catalogue = current_app.extensions.get(CATALOGUE_KEY)
    found = [GaugeMetricFamily("elearn_content_modules", "Course modules loaded at start-up.",
                               value=len(catalogue.modules) if catalogue is not None else 0)]
    try:
        backlog = outbox_backlog(utcnow())
    except SQLAlchemyError as error:
        log.warning("metrics: outbox backlog not read: %s", type(error).__name__)
        db.session.rollback()
        return found
    messages = GaugeMetricFamily("elearn_outbox_messages", "E-mails waiting to be sent (pending) or "
                                 "given up after the last attempt (failed).", labels=["status"])
    messages.add_metric(["pending"], backlog["pending"])
    messages.add_metric(["failed"], backlog["failed"])
    found += [messages, GaugeMetricFamily(
        "elearn_outbox_oldest_due_seconds", "How long the longest-waiting due e-mail has waited; "
        "growing means `elearn outbox send` is not running or cannot deliver.",
        value=backlog["oldest_due_seconds"])]
    return found
