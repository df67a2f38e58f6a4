"""REST API for non-Slack channels (`/api/v1`): the core services over HTTP, per-user tokens."""
