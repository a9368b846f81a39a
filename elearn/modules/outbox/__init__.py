"""The e-mail outbox: messages queued in the transaction that causes them, delivered by a command."""
