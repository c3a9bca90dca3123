"""Alerting: notification parsing, the alert target and enrichment plan, the alert view, Slack
and email rendering, digests, routing, units."""
