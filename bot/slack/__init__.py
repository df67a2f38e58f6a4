"""The Slack Bolt app: its wiring, listeners and Block Kit views."""
