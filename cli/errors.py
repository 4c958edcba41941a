"""Errors the CLI reports as one line with a non-zero exit."""


class UserError(Exception):
    """Bad input or an unreachable dependency: the message names the problem and where it is."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
