"""Domain errors: each names what was wrong and where."""


class DomainError(Exception):
    """A command that the domain refuses."""


class InvalidInput(DomainError):
    """Input that cannot be used as given: the message names what is wrong with it."""


class NotFound(DomainError):
    """An id or name that names nothing recorded or installed."""


class Conflict(DomainError):
    """A command the current state refuses (already decided, decided by someone else first)."""


class CandidateClosed(DomainError):
    """A fact was offered to a candidate that is already in a terminal state."""


class NotReviewable(Conflict):
    """A verdict on a candidate that is not waiting in the review queue."""


class RunClosed(DomainError):
    """A lever pull or settlement offered to a run that has completed."""


class SpecError(DomainError):
    """An input spec that cannot be used; the message names the field (and line where known)."""


class ChecklistError(DomainError):
    """A checklist command refused: empty or duplicate text, an unknown or retired item, an unknown recipe."""


class UnknownChecklistItem(ChecklistError, NotFound):
    """An edit or retirement names an item the recipe's checklist does not hold."""


class ChecklistBusy(ChecklistError, Conflict):
    """Concurrent changes to one checklist kept conflicting: nothing was recorded, the caller may try again."""


class UnreadableFile(InvalidInput):
    """A file a command was given that cannot be read as text: missing, a folder, not permitted, binary, not UTF-8."""
