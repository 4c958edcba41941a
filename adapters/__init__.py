"""The I/O edges: the ledger and its tracking, the bus with the embedded nats-server, model calls, settings, logs."""
