"""The review service: the review page and its JSON API (Starlette, served by uvicorn)."""

from web.app import create_app

__all__ = ["create_app"]
