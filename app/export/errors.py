"""What an export refuses."""

from domain.errors import InvalidInput


class ExportError(InvalidInput):
    """Bad export input or an unwritable output: nothing was written."""
