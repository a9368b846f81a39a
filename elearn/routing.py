"""URL converters: `<int:...>` accepts only ids a database column can hold, so a huge number in an
address is a 404 instead of an overflow deep in the database driver."""

from flask import Flask
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_routing(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
