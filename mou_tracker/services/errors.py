"""Domain errors raised by services; the web layer maps each to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    title = "The request could not be carried out"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    status_code = 400
    title = "Please correct the input"


class PermissionDenied(DomainError):
    status_code = 403
    title = "Not allowed"


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class Conflict(DomainError):
    status_code = 409
    title = "Conflict"
