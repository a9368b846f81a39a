"""The audit trail: who did what to whom, and when."""
