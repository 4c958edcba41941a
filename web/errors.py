"""The review service's refusals: an HTTP status and a message for the page and the API alike."""

from __future__ import annotations

from domain.errors import Conflict, DomainError, NotFound


class WebError(Exception):
    """A request refused with ``status`` and a message that says what was wrong."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}  # e.g. Retry-After on a 429


def refusal(exc: Exception) -> WebError:
    """A use case's domain error as the HTTP refusal it means: 404 unknown, 409 conflicting, else 422."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, NotFound):
        return WebError(404, str(exc))
    if isinstance(exc, Conflict):
        return WebError(409, str(exc))
    if isinstance(exc, DomainError):
        return WebError(422, str(exc))
    raise exc
