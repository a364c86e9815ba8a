"""Background work: delivery of the outbox, and the scheduler's jobs."""
