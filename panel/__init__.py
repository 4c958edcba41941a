"""The offline model panel: a deterministic, seeded stand-in for hosted models, served through litellm."""
