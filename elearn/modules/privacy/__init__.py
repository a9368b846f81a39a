"""Data protection: a person's own training record, anonymising leavers, retention and the privacy page."""
