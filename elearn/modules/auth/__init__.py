"""Accounts, roles, log-in sessions and the access-control decorators."""
