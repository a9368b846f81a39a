"""The dashboard, the language switch, the health check and the metrics."""
