"""The app the throughput benchmark serves: the real app plus a trivial /hello route to compare with.

gunicorn -w 2 "bench.bench_app:create()" with ELEARN_* variables naming the database and content.
"""

from elearn import create_app


def create():
    app = create_app({"RATELIMIT_ENABLED": False})

    @app.route("/hello")
    def hello():
        return "hello"

    return app
