"""Workshops: themes from content/, scheduled sessions, registration, attendance and feedback."""
