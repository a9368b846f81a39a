"""gunicorn settings for elearn (`gunicorn -c deploy/gunicorn.conf.py elearn.wsgi:app`).

Every value can be overridden with the environment (GUNICORN_BIND, GUNICORN_WORKERS, …) or the
command line; the ELEARN_* settings are read by the app itself."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Sync workers, each answering one request at a time: about two per core across all the instances on
#: the machine (two instances of 4 on a 4-core server). nginx buffers slow clients for them.
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
#: Restart a worker after this many requests (with jitter), a guard against slow memory growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
#: Load the app in the master before forking: start-up errors (configuration, content, pending
#: migrations) stop the start at once with their message, and the workers share its memory.
preload_app = True
#: The app writes its own structured request log; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
#: Only the reverse proxy on this machine may say the request came over HTTPS (X-Forwarded-Proto);
#: the app takes the client's address and host from ELEARN_TRUSTED_PROXIES hops of X-Forwarded-*,
#: which nginx sets itself, replacing a client's (deploy/nginx.conf.example).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
#: gunicorn's control socket is one fixed path per user; several instances on one machine would
#: share it, and elearn does not use it.
control_socket_disable = True


#: PROMETHEUS_MULTIPROC_DIR (see elearn/metrics.py): every worker's counts go to files there, so a
#: scrape answered by any worker shows the whole instance. One directory per instance; it must exist
#: before the app is loaded.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    """Start this instance's counts afresh (not on a reload, so the counts go on)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    """A worker that ended no longer counts in the in-progress gauge."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
