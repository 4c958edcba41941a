"""Pure domain: facts, aggregates and policies. Imports no I/O (no NATS, litellm, database or logging)."""
