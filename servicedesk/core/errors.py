"""The refusals every domain's actions raise: a message for the user (already translated) and the HTTP
status the API and the screens answer with. Views and API routers catch `ActionError` once for all
domains (`api.app` turns it into a JSON 4xx)."""

from __future__ import annotations


class ActionError(Exception):
    """A refused change, with a message for the user (already translated)."""

    status_code = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotAllowed(ActionError):
    status_code = 403


class NotFound(ActionError):
    status_code = 404


class TooLarge(ActionError):
    """A file over the desk's size limit."""

    status_code = 413


class Conflict(ActionError):
    """The ticket changed since the version the caller read; nothing was changed."""

    status_code = 409
