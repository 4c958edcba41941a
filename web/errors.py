"""The review service's refusals: an HTTP status and a message for the page and the API alike."""

from __future__ import annotations


class WebError(Exception):
    """A request refused with ``status`` and a message that says what was wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
