"""The event-driven services: orchestrator, generation, gating, probing, publisher and relay, and the gated loop."""
