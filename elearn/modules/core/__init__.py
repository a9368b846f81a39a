"""The dashboard, the language switch and the health check."""
