"""Adapters around the pure domain: ledger, bus, model calls, services and the CLI."""
