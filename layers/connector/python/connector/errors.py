"""The one base of every error a caller is answered with (api/errors.py turns it into JSON)."""

from __future__ import annotations

from typing import Any


class AnsweredError(Exception):
    """A request we refuse, with the HTTP status and error code the answer carries."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # More of the answer's "error" object beside code and message (JSON values).
        self.details: dict[str, Any] = {}
