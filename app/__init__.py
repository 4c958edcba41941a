"""The use cases both faces (the CLI and the review page) call; they raise domain errors, never HTTP or CLI ones."""
