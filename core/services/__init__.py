"""Ticket operations. Each takes an `AsyncSession` and keyword arguments, checks permissions,
changes state, writes the audit entry and the notifications, and leaves committing to the
caller, so one request is one transaction."""
