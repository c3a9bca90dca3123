"""Recent error lines of an endpoint, from its CloudWatch Logs group, for an alert.

SageMaker writes an endpoint's container logs to ``/aws/sagemaker/Endpoints/<endpoint>``, one
stream per variant and instance (``AllTraffic/i-0abc…``). One FilterLogEvents call over the
whole group (no stream filter: every variant and instance) finds the error lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sagewatch.adapters.aws import NOT_FOUND_CODES, call
from sagewatch.core.alerting.metric_queries import as_utc
from sagewatch.core.shared.errors import AwsCallError
from sagewatch.core.shared.namespaces import endpoint_log_group

# CloudWatch Logs filter syntax: "?term" lines match when ANY of the terms occurs (case-sensitive).
ERROR_FILTER_PATTERN = "?ERROR ?Error ?error ?Exception ?Traceback ?CRITICAL ?FATAL ?OOM"

# FilterLogEvents returns the OLDEST matches of the window first. Asking for more than we keep
# (still one page, the response capped at 1 MB by the service) lets us keep the newest ones.
_OVERFETCH = 5
_MAX_EVENTS_PER_CALL = 10_000  # FilterLogEvents' own limit


def _epoch_ms(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)


class LogsReader:
    def __init__(self, client: Any) -> None:
        self._client = client

    def recent_errors(self, endpoint_name: str, since: datetime, until: datetime, *, limit: int = 20) -> list[str]:
        """Up to ``limit`` error lines logged between ``since`` and ``until``, newest last, stripped.

        A log group that does not exist yet (an endpoint that has not logged) gives ``[]``;
        other failures raise ``AwsCallError``.
        """
        if limit <= 0:
            return []
        try:
            # Deliberately ONE call, no nextToken loop: the cost of an alert must stay bounded even
            # when an endpoint logs millions of lines. FilterLogEvents may return a partial page
            # (it stops after scanning a slice of the group); a partial list of errors is still
            # what the alert needs, and the alert links to the full logs.
            page = call(
                "FilterLogEvents",
                self._client.filter_log_events,
                logGroupName=endpoint_log_group(endpoint_name),
                filterPattern=ERROR_FILTER_PATTERN,
                startTime=_epoch_ms(since),
                endTime=_epoch_ms(until),
                limit=min(_MAX_EVENTS_PER_CALL, limit * _OVERFETCH),
            )
        except AwsCallError as exc:
            if exc.code in NOT_FOUND_CODES:
                return []
            raise
        events = sorted(
            page.get("events") or [],
            key=lambda event: (int(event.get("timestamp") or 0), int(event.get("ingestionTime") or 0)),
        )
        lines = [str(event.get("message") or "").strip() for event in events]
        return [line for line in lines if line][-limit:]
