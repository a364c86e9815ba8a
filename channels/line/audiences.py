"""LINE audiences for LINE Ads: a segment's LINE user ids uploaded through the Messaging API's
audience endpoints (create by user ids, add more, read the status), with line-bot-sdk v3.

Why chunks of 10,000: LINE takes at most 10,000 user ids per upload request; a larger audience is
created with the first 10,000 and the rest added with further requests to the same group.

Why no `X-Line-Retry-Key`: LINE accepts it only on the message-sending endpoints and answers 400
elsewhere. A retried upload is made safe differently (jobs/line_audiences.py): a lost creation is
found again by its unique description (`find`), and adding ids LINE already holds changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import urllib3
from linebot.v3.audience import AddAudienceToAudienceGroupRequest, ApiClient, Audience, Configuration, CreateAudienceGroupRequest, ManageAudience
from linebot.v3.audience.exceptions import ApiException

MAX_IDS_PER_REQUEST = 10000
MAX_DESCRIPTION = 120


class AudienceError(Exception):
    """LINE refused or could not be reached; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class AudienceStatus:
    status: str  # IN_PROGRESS | READY | FAILED | EXPIRED | ...
    count: int


class LineAudiences:
    def __init__(self, access_token: str, api_base: str, timeout: float = 30.0) -> None:
        configuration = Configuration(host=api_base.rstrip("/"), access_token=access_token)
        configuration.retries = False
        self._client = ApiClient(configuration)
        self._api = ManageAudience(self._client)
        self._timeout = timeout

    def upload(self, description: str, user_ids: Sequence[str], group_id: int | None = None) -> int:
        """Create the audience with the first chunk (or add to `group_id`), then add the rest; its id."""
        chunks = [list(user_ids[i:i + MAX_IDS_PER_REQUEST]) for i in range(0, len(user_ids), MAX_IDS_PER_REQUEST)]
        if not chunks:
            raise AudienceError("the audience has no LINE user ids", retryable=False)
        if group_id is None:
            created = self._call(lambda: self._api.create_audience_group(CreateAudienceGroupRequest(
                description=description[:MAX_DESCRIPTION], is_ifa_audience=False,
                audiences=[Audience(id=uid) for uid in chunks[0]]), _request_timeout=self._timeout))
            group_id = int(created.audience_group_id)
            chunks = chunks[1:]
        for chunk in chunks:
            request = AddAudienceToAudienceGroupRequest(audience_group_id=group_id, audiences=[Audience(id=uid) for uid in chunk])
            self._call(functools.partial(self._api.add_audience_to_audience_group, request, _request_timeout=self._timeout))
        return group_id

    def create(self, description: str, user_ids: Sequence[str]) -> int:
        """Create the audience with its first chunk (at most 10,000 ids); LINE's audience group id."""
        self._check_chunk(user_ids)
        created = self._call(lambda: self._api.create_audience_group(CreateAudienceGroupRequest(
            description=description[:MAX_DESCRIPTION], is_ifa_audience=False,
            audiences=[Audience(id=uid) for uid in user_ids]), _request_timeout=self._timeout))
        return int(created.audience_group_id)

    def add(self, group_id: int, user_ids: Sequence[str]) -> None:
        """Add one more chunk (at most 10,000 ids) to an audience; ids it holds already change nothing."""
        self._check_chunk(user_ids)
        request = AddAudienceToAudienceGroupRequest(audience_group_id=group_id, audiences=[Audience(id=uid) for uid in user_ids])
        self._call(functools.partial(self._api.add_audience_to_audience_group, request, _request_timeout=self._timeout))

    def find(self, description: str) -> int | None:
        """The audience created through the Messaging API with exactly this description, if any (a
        creation whose answer was lost is found again here instead of being made twice)."""
        answer = self._call(lambda: self._api.get_audience_groups(1, description=description[:MAX_DESCRIPTION], size=40,
                                                                  _request_timeout=self._timeout))
        for group in answer.audience_groups or []:
            if group.description == description[:MAX_DESCRIPTION]:
                return int(group.audience_group_id)
        return None

    @staticmethod
    def _check_chunk(user_ids: Sequence[str]) -> None:
        if not 1 <= len(user_ids) <= MAX_IDS_PER_REQUEST:
            raise AudienceError(f"an upload carries 1 to {MAX_IDS_PER_REQUEST} user ids, not {len(user_ids)}", retryable=False)

    def status(self, group_id: int) -> AudienceStatus:
        answer = self._call(lambda: self._api.get_audience_data(group_id, _request_timeout=self._timeout))
        group = answer.audience_group
        return AudienceStatus(str(group.status.value if hasattr(group.status, "value") else group.status),
                              int(group.audience_count or 0))

    def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except ApiException as exc:
            status = exc.status or 0
            body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
            raise AudienceError(f"LINE answered {status}: {body[:300]}", retryable=status == 429 or status >= 500) from None
        except urllib3.exceptions.HTTPError as exc:
            raise AudienceError(f"LINE unreachable: {type(exc).__name__}", retryable=True) from None

    def close(self) -> None:
        self._client.close()
