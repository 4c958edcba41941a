"""What an export refuses."""


class ExportError(ValueError):
    """Bad export input or an unwritable output: nothing was written."""
