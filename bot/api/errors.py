"""The API's one error type and its JSON shape: {"error": code, "message": text, "field": name?}.

Why a field name on every 422: a shop system's developer must see at once which part of their
request to fix; "field" is a JSON path such as `customer.email` or `items[2].quantity`.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, field=field)
