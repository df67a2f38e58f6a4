"""The Slack-facing application: HTTP server, Bolt app, delivery to Slack, CLI wiring."""
