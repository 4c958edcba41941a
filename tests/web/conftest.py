from tests.web.fixtures import served, world  # noqa: F401
