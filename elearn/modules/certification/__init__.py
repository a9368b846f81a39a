"""Certification: learning paths that certify, awards with expiry and renewal, certificates anyone can
verify, and the key-officer directory."""
