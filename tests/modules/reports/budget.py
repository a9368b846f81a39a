"""The statement budget of a report page or export: the count must not grow with the data."""

from __future__ import annotations

from collections.abc import Callable

from elearn.extensions import db
from elearn.statements import counting


def statement_counts(client, grow: Callable[[int], str], sizes=(3, 27)) -> list[int]:
    """For each size: grow(size) adds data and returns the URL to fetch; the statements the request
    sent (the response read to its end, so a streamed export counts whole)."""
    counts = []
    for size in sizes:
        url = grow(size)
        with counting(db.engine) as log:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200, url
        counts.append(log.count)
    return counts
