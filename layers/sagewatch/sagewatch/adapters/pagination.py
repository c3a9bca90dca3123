"""Paging through an AWS list call: the one loop every adapter uses.

AWS services do not agree on how a list call continues: most return ``NextToken`` and take it
back as ``NextToken``, CloudWatch Logs spells it ``nextToken``, older APIs answer ``NextMarker``
(or ``Marker``) and take ``Marker``, DynamoDB answers ``LastEvaluatedKey`` and takes
``ExclusiveStartKey``. A :class:`Cursor` names the pair; :func:`pages` does the rest.

Each page is exactly one API call made through :func:`sagewatch.adapters.aws.call`, so throttling
is retried with backoff and every other error becomes ``AwsCallError``, as for any single call.
A continuation the service already returned once ends the listing: a server that hands back the
same token forever must not keep a Lambda busy until its timeout.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sagewatch.adapters.aws import call


@dataclass(frozen=True)
class Cursor:
    """Where a page says "there is more" (``response_key``) and where the next request says "from here"."""

    response_key: str
    request_key: str


NEXT_TOKEN = Cursor("NextToken", "NextToken")
LOGS_NEXT_TOKEN = Cursor("nextToken", "nextToken")  # CloudWatch Logs
NEXT_MARKER = Cursor("NextMarker", "Marker")  # e.g. Lambda ListFunctions, KMS ListKeys
DYNAMODB_START_KEY = Cursor("LastEvaluatedKey", "ExclusiveStartKey")


def pages(
    operation: str,
    method: Callable[..., Any],
    /,
    *,
    cursor: Cursor = NEXT_TOKEN,
    max_pages: int | None = None,
    sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> Iterator[dict[str, Any]]:
    """Every page of ``method(**kwargs)``, following ``cursor``; one call per page.

    ``max_pages`` bounds the number of calls where a listing must stay cheap whatever the
    service answers; ``sleep`` is handed to ``call`` (tests pass a recorder instead of waiting).
    """
    request = dict(kwargs)
    seen: set[str] = set()
    budget: Iterable[int] = itertools.count() if max_pages is None else range(max_pages)
    for _ in budget:
        page: dict[str, Any] = call(operation, method, sleep=sleep, **request)
        yield page
        continuation = page.get(cursor.response_key)
        if not continuation:
            return
        # DynamoDB's continuation is a key (a dict); its JSON form makes any continuation comparable.
        fingerprint = json.dumps(continuation, sort_keys=True, default=str)
        if fingerprint in seen:
            return
        seen.add(fingerprint)
        request[cursor.request_key] = continuation


def items(
    operation: str,
    method: Callable[..., Any],
    /,
    result_key: str,
    *,
    cursor: Cursor = NEXT_TOKEN,
    sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> Iterator[dict[str, Any]]:
    """The entries under ``result_key`` of every page (``Endpoints``, ``MetricAlarms``, ``Tags`` …)."""
    for page in pages(operation, method, cursor=cursor, sleep=sleep, **kwargs):
        yield from page.get(result_key) or []
