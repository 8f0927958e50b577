"""Channels in: e-mail to ticket and monitoring alerts (Prometheus Alertmanager)."""
