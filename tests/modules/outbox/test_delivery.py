"""The outbox: messages in the recipient's language, delivered once through SMTP (a real local
server), printed without one, retried with growing pauses, and never sent twice by two senders."""

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.outbox import delivery
from elearn.modules.outbox.models import MessageStatus, OutboxMessage
from elearn.modules.outbox.services import Attachment, queue_message, queue_text

TEMPLATE = "workshops/mail/invited.txt"


def _queue(user, count: int = 1, **context):
    context = {"title": "Sagsworkshop", "when": "27. november 2026, 09:00–12:00",
               "location": "Horsens", "url": "http://localhost/workshops/sessions/1", **context}
    messages = [queue_message(user, TEMPLATE, (Attachment("a.ics", "text/calendar; method=REQUEST",
                                                          "BEGIN:VCALENDAR\r\n"),), **context)
                for _ in range(count)]
    db.session.commit()
    return messages


def test_a_message_is_written_in_the_recipients_language(make_user):
    danish, english = make_user(locale="da"), make_user(locale="en")
    [da], [en] = _queue(danish), _queue(english)
    assert da.subject == "Invitation: Sagsworkshop" and "Du er inviteret" in da.body
    assert en.subject == "Invitation: Sagsworkshop" and "You are invited" in en.body
    assert da.recipient == danish.email and da.status is MessageStatus.PENDING


def test_without_an_smtp_server_the_messages_are_printed_once(make_user, runner):
    _queue(make_user(name="Mette Sørensen"), count=2)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Subject: Invitation: Sagsworkshop") == 2
    assert "Outbox: 2 sent, 0 to retry, 0 given up." in result.output
    again = runner.invoke(args=["outbox", "send"])
    assert "Outbox: 0 sent" in again.output
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {MessageStatus.SENT}


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port, collecting what it receives."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")

    class Collect:
        def __init__(self):
            self.received = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's API)
            self.received.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"

    handler = Collect()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def _smtp_config(app, port: int) -> dict:
    return {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
            "SMTP_FROM": "elearn <noreply@politi.example>"}


def test_messages_are_delivered_through_smtp_with_their_attachment(app, make_user, smtp_server):
    controller, handler = smtp_server
    person = make_user(locale="da")
    _queue(person)
    transport = delivery.SmtpTransport(_smtp_config(app, controller.port))
    report = delivery.deliver_due(transport, max_attempts=3)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [(recipients, content)] = handler.received
    assert recipients == [person.email]
    mail = message_from_bytes(content, policy=policy.default)
    assert mail["Subject"] == "Invitation: Sagsworkshop"
    assert "Du er inviteret" in mail.get_body(("plain",)).get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "a.ics"
    assert delivery.deliver_due(transport, max_attempts=3).sent == 0
    assert len(handler.received) == 1


def test_failures_are_retried_later_and_given_up_after_the_maximum(app, make_user):
    [message] = _queue(make_user())
    closed_port = _free_port()
    transport = delivery.SmtpTransport(_smtp_config(app, closed_port))
    now = utcnow()
    report = delivery.deliver_due(transport, max_attempts=2, now=now)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    db.session.refresh(message)
    assert message.status is MessageStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert "ConnectionRefusedError" in message.last_error
    assert delivery.deliver_due(transport, max_attempts=2, now=now).retrying == 0  # not due yet
    report = delivery.deliver_due(transport, max_attempts=2, now=now + timedelta(minutes=2))
    assert report.failed == 1
    db.session.refresh(message)
    assert message.status is MessageStatus.FAILED and message.attempts == 2


def test_backoff_doubles_up_to_six_hours():
    assert [delivery.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert delivery.backoff(30) == timedelta(hours=6)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingTransport:
    def __init__(self):
        self.sent: list[int] = []
        self.lock = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def send(self, message):
        with self.lock:
            self.sent.append(message.id)


@pytest.fixture
def app_config() -> dict:
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10}}


@pytest.mark.both_databases
def test_two_senders_at_once_send_each_message_once(app, backend, make_user):
    ids = [m.id for m in _queue(make_user(), count=30)]
    transport = CountingTransport()
    barrier = threading.Barrier(4)

    def run():
        with app.app_context():
            barrier.wait(timeout=30)
            delivery.deliver_due(transport, max_attempts=3, batch=10)
            delivery.deliver_due(transport, max_attempts=3, batch=10)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(transport.sent) == sorted(ids)
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {MessageStatus.SENT}


class BrokenOnFirst(CountingTransport):
    def send(self, message):
        if not self.sent:
            self.sent.append(-1)
            raise ValueError("cannot encode this address")
        super().send(message)


def test_one_bad_message_does_not_stop_the_others(make_user):
    first, second = _queue(make_user(), count=2)
    report = delivery.deliver_due(BrokenOnFirst(), max_attempts=3)
    assert (report.sent, report.retrying) == (1, 1)
    db.session.refresh(first)
    assert first.status is MessageStatus.PENDING and "ValueError" in first.last_error
    db.session.refresh(second)
    assert second.status is MessageStatus.SENT


def test_a_ready_made_text_can_be_queued_too(make_user, runner):
    person = make_user()
    message = queue_text(person, "Certificate expires soon", "Renew it before 1 March.")
    db.session.commit()
    assert (message.recipient, message.status) == (person.email, MessageStatus.PENDING)
    assert "Subject: Certificate expires soon" in runner.invoke(args=["outbox", "send"]).output


# A sender's claim is a lease: after LEASE another sender may take its messages over. The one whose
# lease ran out (slow, paused) must not send them too, nor overwrite the other's outcome.

class Clock:
    """delivery's clock, moved by the test."""

    def __init__(self):
        self.now = utcnow() + timedelta(seconds=5)  # after the messages the test queues

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(delivery, "utcnow", clock)
    return clock


def _in_another_sender(app, work):
    """Run work() as another sender: its own thread, app context and database session."""
    errors = []

    def run():
        with app.app_context():
            try:
                work()
            except Exception as error:  # noqa: BLE001  (reported to the test below)
                errors.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and not errors, errors


class SlowToConnect(CountingTransport):
    """Sender A: its SMTP connection takes longer than the lease; meanwhile `meanwhile` runs."""

    def __init__(self, meanwhile):
        super().__init__()
        self.meanwhile = meanwhile

    def __enter__(self):
        self.meanwhile()
        return self


@pytest.mark.both_databases
def test_a_sender_whose_lease_ran_out_does_not_send_what_another_took_over(app, backend, make_user,
                                                                           clock):
    ids = [m.id for m in _queue(make_user(), count=3)]
    other = CountingTransport()

    def lease_runs_out_then_b_sends():
        clock.now += delivery.LEASE + timedelta(minutes=1)
        _in_another_sender(app, lambda: delivery.deliver_due(other, max_attempts=3))

    slow = SlowToConnect(lease_runs_out_then_b_sends)
    report = delivery.deliver_due(slow, max_attempts=3)
    assert sorted(other.sent) == ids
    assert slow.sent == []  # before the fix: A sent all three again
    assert (report.sent, report.left) == (0, 3)
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {MessageStatus.SENT}


@pytest.mark.both_databases
def test_a_message_another_sender_claimed_is_skipped_even_if_the_clocks_disagree(app, backend,
                                                                                 make_user, clock):
    """B's clock runs ahead (another host): A still has time left, but its claim is gone."""
    ids = [m.id for m in _queue(make_user(), count=3)]
    other = CountingTransport()
    ahead = clock.now + delivery.LEASE + timedelta(minutes=1)
    slow = SlowToConnect(lambda: _in_another_sender(
        app, lambda: delivery.deliver_due(other, max_attempts=3, now=ahead)))
    report = delivery.deliver_due(slow, max_attempts=3)
    assert sorted(other.sent) == ids and slow.sent == []
    assert (report.sent, report.left) == (0, 3)


class FailsAfterTakeover(CountingTransport):
    """A's send fails, but meanwhile B took the message over and sent it."""

    def __init__(self, meanwhile):
        super().__init__()
        self.meanwhile = meanwhile

    def send(self, message):
        self.meanwhile()
        raise TimeoutError("the SMTP server did not answer")


def test_a_lost_claim_does_not_overwrite_the_other_senders_outcome(app, make_user, clock):
    [message] = _queue(make_user())
    other = CountingTransport()
    ahead = clock.now + delivery.LEASE + timedelta(minutes=1)
    transport = FailsAfterTakeover(lambda: _in_another_sender(
        app, lambda: delivery.deliver_due(other, max_attempts=1, now=ahead)))
    report = delivery.deliver_due(transport, max_attempts=1)
    assert other.sent == [message.id]
    assert (report.failed, report.left) == (0, 1)
    db.session.refresh(message)
    assert message.status is MessageStatus.SENT and message.attempts == 1  # not FAILED by A
    assert message.last_error is None and message.claim_token is None


class SlowSend(CountingTransport):
    """Each send takes four minutes."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    def send(self, message):
        super().send(message)
        self.clock.now += timedelta(minutes=4)


def test_a_run_stops_before_its_lease_ends_and_leaves_the_rest_for_the_next(make_user, clock):
    ids = [m.id for m in _queue(make_user(), count=5)]
    transport = SlowSend(clock)
    report = delivery.deliver_due(transport, max_attempts=3)
    # 0, 4 and 8 minutes are after the last start that leaves SEND_MARGIN of the 10-minute lease
    assert (report.sent, report.left) == (2, 3)
    assert transport.sent == ids[:2]
    released = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids[2:]))).all()
    assert {(m.status, m.claim_token, m.attempts) for m in released} == {
        (MessageStatus.PENDING, None, 0)}
    report = delivery.deliver_due(transport, max_attempts=3)  # the next run takes them at once
    assert report.sent == 2 and transport.sent == ids[:4]
