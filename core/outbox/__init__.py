"""The transactional outbox: queueing deliveries with a change, and claiming them."""
