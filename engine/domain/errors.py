"""Domain errors. Each carries a stable code and a message in Chinese for the person acting;
the API maps them to HTTP statuses (api/errors.py), nothing here knows about HTTP."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class CaseNotFound(DomainError):
    code = "case_not_found"


class CaseExists(DomainError):
    code = "case_exists"


class TaskNotFound(DomainError):
    code = "task_not_found"


class InvalidTaskData(DomainError):
    """The data given to complete a task breaks a rule; `field` names the offending field."""

    code = "invalid_task_data"


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class ConcurrentUpdate(DomainError):
    """Someone else changed the case since it was read (optimistic concurrency)."""

    code = "concurrent_update"


class NotPermitted(DomainError):
    code = "not_permitted"


class AssignedToOther(NotPermitted):
    """The task is assigned to another person of the organisation (engine/assignment.py)."""

    code = "task_assigned_to_other"


class InvalidAssignee(InvalidTaskData):
    """The person named for a task cannot do it (wrong role or organisation)."""

    code = "invalid_assignee"
