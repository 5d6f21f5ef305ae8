"""Domain errors raised by services; the web layer maps each to one HTTP status."""

from __future__ import annotations

from ..core.messages import N_


class DomainError(Exception):
    status_code = 400
    title = N_("The request could not be carried out")

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    status_code = 400
    title = N_("Please correct the input")


class PermissionDenied(DomainError):
    status_code = 403
    title = N_("Not allowed")


class NotFound(DomainError):
    status_code = 404
    title = N_("Not found")


class Conflict(DomainError):
    status_code = 409
    title = N_("Conflict")
