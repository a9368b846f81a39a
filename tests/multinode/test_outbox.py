"""The outbox sender runs on every instance at once (each machine's cron): every message is still
delivered exactly once, counted at a real SMTP server and in the database."""

import re
import threading
from collections import Counter
from email import message_from_bytes, policy

import pytest

from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.outbox.services import queue_rendered
from tests.cluster import elearn_commands, free_port

pytestmark = pytest.mark.multinode

MESSAGES = 300
SENDERS = 3  # as many `elearn outbox send` at once as cron on three machines
BATCH = 120  # room for messages other tests left queued


class Sink:
    """aiosmtpd's handler: the subject of every message received."""

    def __init__(self):
        self.subjects: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's API)
        subject = message_from_bytes(envelope.content, policy=policy.default)["Subject"]
        with self.lock:
            self.subjects.append(str(subject))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    sink = Sink()
    controller = controller_module.Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, sink
    controller.stop()


def test_senders_on_every_instance_deliver_each_message_once(cluster, seeded, smtp_sink):
    port, sink = smtp_sink
    user = accounts.create_user("Mette Post", "mette.post@politi.example", {Role.LEARNER})
    subjects = [f"Outbox run {number:03d}" for number in range(MESSAGES)]
    queue_rendered([{"user_id": user.id, "recipient": user.email, "subject": subject,
                     "body": "Body\n", "attachments": []} for subject in subjects])
    db.session.commit()
    env = {**cluster.env, "ELEARN_SMTP_HOST": "127.0.0.1", "ELEARN_SMTP_PORT": str(port),
           "ELEARN_SMTP_FROM": "elearn <noreply@politi.example>"}

    # Each sender takes at most BATCH, so one round usually sends all; a claim that met rows another
    # sender was claiming at that moment may take fewer, and the next round sends the rest.
    for round_number in range(3):
        runs = elearn_commands(env, [("outbox", "send", "--batch", str(BATCH))] * SENDERS)
        for run in runs:
            assert run.returncode == 0, run.stdout + run.stderr
        if round_number == 0:  # the senders shared the work (no one sender can take it all)
            assert sum(int(re.search(r"(\d+) sent", run.stdout).group(1)) > 0 for run in runs) >= 2
        if not cluster.count("SELECT count(*) FROM outbox_message WHERE status = 'pending' "
                             "AND recipient = :to", to=user.email):
            break

    received = Counter(subject for subject in sink.subjects if subject.startswith("Outbox run"))
    assert sorted(received) == subjects
    assert set(received.values()) == {1}
    assert cluster.count("SELECT count(*) FROM outbox_message WHERE recipient = :to "
                         "AND status = 'sent' AND attempts = 1", to=user.email) == MESSAGES
