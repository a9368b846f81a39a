"""Prometheus metrics: requests, latency, server errors and requests in progress, counted per route
rule (never the raw path, so the number of series stays bounded), plus figures read at each scrape.

gunicorn runs several worker processes, each counting its own requests. With the environment
variable PROMETHEUS_MULTIPROC_DIR set (an empty directory, one per instance, writable by the
workers) every worker writes its counts there and a scrape answered by any worker adds them all up;
deploy/gunicorn.conf.py empties the directory at start and drops a dead worker's gauges. Without
it, a scrape shows the answering process's own counts (right for one process: tests, `elearn serve`).

The metric objects live at module level in their own registry, so building many apps in one process
(the tests do) registers each once.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: Methods named in labels; anything else a client invents is counted as OTHER.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: The route label of a request that matched no route (a 404 or 405).
UNMATCHED = "<unmatched>"
#: Headers a reverse proxy adds: their presence means the request came through it, from elsewhere.
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
                      "X-Forwarded-Prefix", "Forwarded", "X-Real-IP")

# No `_created` series: multiprocess mode has none, so both modes show the same names.
disable_created_metrics()
REGISTRY = CollectorRegistry()
REQUESTS = Counter("elearn_http_requests", "HTTP requests answered, by method, route and status class.",
                   ["method", "endpoint", "status"], registry=REGISTRY)
DURATION = Histogram("elearn_http_request_duration_seconds",
                     "Time from the start of a request to its response (before the body is sent).",
                     ["endpoint"], registry=REGISTRY,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SERVER_ERRORS = Counter("elearn_http_server_errors", "Responses with a 5xx status, by route.",
                        ["endpoint"], registry=REGISTRY)
IN_PROGRESS = Gauge("elearn_http_requests_in_progress", "Requests being answered right now.",
                    registry=REGISTRY, multiprocess_mode="livesum")


def from_this_machine() -> bool:
    """True for a request from the loopback address that no reverse proxy forwarded (the proxy runs
    on this machine too, so its requests come from loopback but carry a forwarding header)."""
    return _loopback(request.remote_addr) and not any(h in request.headers for h in FORWARDING_HEADERS)


def _loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 and IPv4 loopback written as IPv6 (::ffff:127.0.0.1)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class _Figures:
    """A collector that calls read() at each scrape for a list of metric families."""

    def __init__(self, read: Callable[[], Iterable[Metric]]) -> None:
        self.collect = read


def exposition(figures: Callable[[], Iterable[Metric]]) -> bytes:
    """The Prometheus text exposition: the request metrics (every worker's, in multiprocess mode) and
    figures() read now."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Figures(REGISTRY.collect))
    registry.register(_Figures(figures))
    return generate_latest(registry)


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED


def init_metrics(app: Flask) -> None:
    @app.before_request
    def _start():
        IN_PROGRESS.inc()
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            IN_PROGRESS.dec()
            route, status = _route(), response.status_code
            method = request.method if request.method in METHODS else "OTHER"
            REQUESTS.labels(method, route, f"{status // 100}xx").inc()
            DURATION.labels(route).observe(time.perf_counter() - started)
            if status >= 500:
                SERVER_ERRORS.labels(route).inc()
        return response

    @app.teardown_request
    def _abandoned(_error):
        if g.pop("metrics_started", None) is not None:
            IN_PROGRESS.dec()
