"""The blueprint, its authentication, one transaction per request, and idempotent replays.

Why the replay is stored with the request hash: a till that retries after a timeout must get
exactly the answer the first attempt produced (the points, the redemption), and a different
request under a reused key is a client bug worth a clear 422 rather than a silent replay.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.api.body import read_json
from bot.api.errors import ApiError, invalid
from bot.api.keys import ROLE_PERMISSIONS, authenticate
from bot.config import Settings
from models import ApiKey, ApiRequest

api = Blueprint("api", __name__, url_prefix="/api/v1")
SPEC_PATH = Path(__file__).with_name("openapi.json")
Result = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Call:
    session: Session
    settings: Settings
    key: ApiKey


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key")


def endpoint(permission: str) -> Callable[[Callable[..., Result]], Callable[..., Any]]:
    """Authenticate, check the role, run the view in one transaction, render JSON."""

    def wrap(view: Callable[..., Result]) -> Callable[..., Any]:
        @functools.wraps(view)
        def inner(**kwargs: Any) -> Any:
            runtime = current_app.extensions["bot"]
            headers: dict[str, str] = {}
            try:
                with runtime.sessions.begin() as session:
                    key = authenticate(session, _presented_key())
                    if key is None:
                        raise ApiError(401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>")
                    if permission not in ROLE_PERMISSIONS.get(key.role, ()):
                        raise ApiError(403, "forbidden", f"an API key with role {key.role!r} may not do {permission!r}")
                    status, body = view(Call(session, runtime.settings, key), **kwargs)
                    if body.pop("_replayed", False):
                        headers["Idempotent-Replayed"] = "true"
            except ApiError as exc:
                if exc.status == 401:
                    headers["WWW-Authenticate"] = 'Bearer realm="api"'
                return jsonify(exc.body()), exc.status, headers
            return jsonify(body), status, headers

        return inner

    return wrap


def json_body() -> Any:
    """The body, parsed and checked for values no route could store (see `bot.api.body`)."""
    return read_json()


def idempotent(call: Call, endpoint_name: str, key: str, body: Any, work: Callable[[], Result]) -> Result:
    """Run `work` once per (API key, endpoint, idempotency key); later calls get its answer back.

    An ApiError raised by `work` (bad reference, unknown customer) is not stored: fixing the
    request and retrying with the same key is allowed. Answers `work` returns (201, 409) are.
    """
    request_hash = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    prior = _prior(call, endpoint_name, key)
    if prior is not None:
        return _replay(prior, request_hash)
    try:
        with call.session.begin_nested():
            record = ApiRequest(api_key_id=call.key.id, endpoint=endpoint_name, idempotency_key=key,
                                request_hash=request_hash, response={})
            try:
                with call.session.begin_nested():
                    call.session.add(record)
            except IntegrityError:  # a twin of this request committed first (it held the key while we waited)
                raise _Twin from None
            status, response = work()
            record.status_code, record.response = status, response
    except _Twin:
        prior = _prior(call, endpoint_name, key)
        assert prior is not None
        return _replay(prior, request_hash)
    return status, response


class _Twin(Exception):
    pass


def _prior(call: Call, endpoint_name: str, key: str) -> ApiRequest | None:
    return call.session.scalar(select(ApiRequest).where(
        ApiRequest.api_key_id == call.key.id, ApiRequest.endpoint == endpoint_name, ApiRequest.idempotency_key == key))


def _replay(prior: ApiRequest, request_hash: str) -> Result:
    if prior.request_hash != request_hash:
        raise invalid("idempotency_key", "was already used for a different request; use a new key for a new request")
    return prior.status_code or 200, {**prior.response, "_replayed": True}


@api.get("/openapi.json")
def openapi() -> Response:
    """The API's description, for shop developers and their tools (no key needed)."""
    return send_file(SPEC_PATH, mimetype="application/json")
