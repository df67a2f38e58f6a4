"""Delivery of outbox rows to Slack: the worker, its senders, pacing and failure policy."""
