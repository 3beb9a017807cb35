"""Why a merchant's request cannot be served; api/errors.py turns these into JSON answers."""

from __future__ import annotations

from typing import Any

from connector.errors import AnsweredError


class MerchantError(AnsweredError):
    """A merchant's request that cannot be served."""


class NotFoundError(MerchantError):
    status, code = 404, "not_found"


class ConflictError(MerchantError):
    status, code = 409, "conflict"


class ActivityRunningError(ConflictError):
    """A second import or upload while one runs: the answer carries the running one."""

    code = "activity_running"

    def __init__(self, message: str, activity: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = {"activity": activity}


class UnprocessableError(MerchantError):
    status, code = 422, "unprocessable"


class ForbiddenError(MerchantError):
    status, code = 403, "forbidden"
