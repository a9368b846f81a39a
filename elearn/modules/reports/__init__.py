"""Coordinators' reports: read-only, set-based queries shared by the HTML pages and the exports."""
