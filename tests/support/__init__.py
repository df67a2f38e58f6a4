"""Helpers the tests share: worlds of orgs and users, a Slack app against the fake."""
