"""``account.cloudwatch``: what the emulated account does in CloudWatch's place, beyond moto.

moto stores alarms but never evaluates them, publishes no metrics for other services and never
throttles. This facet gathers what the emulator does about that: opt-in API quotas and
DescribeAlarms paging (fleet scale), and evaluating an SQS queue alarm on demand. Alarm
evaluation in general (a simulated clock, notifications to SNS) belongs here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sagewatch_emulator.cloudwatch.alarm_paging import paginate_describe_alarms
from sagewatch_emulator.cloudwatch.quotas import Quotas, install_quotas
from sagewatch_emulator.errors import EmulatorError
from sagewatch_emulator.extensions import MotoExtensions

__all__ = ["EmulatedCloudWatch"]

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


class EmulatedCloudWatch:
    """CloudWatch behaviour of one open account; reached as ``account.cloudwatch``.

    ``client`` gives the account's boto3 clients, ``physical_id`` what ``!Ref`` of a resource of
    the stack yields; ``extensions`` is where opt-in behaviour is installed (and removed when the
    account closes).
    """

    def __init__(
        self, client: Callable[[str], Any], physical_id: Callable[[str], str], extensions: MotoExtensions
    ) -> None:
        self._client = client
        self._physical_id = physical_id
        self._extensions = extensions
        self._alarm_paging = False
        self.quotas: Quotas | None = None
        """The quotas in force since :meth:`enable_quotas`, else None."""

    def enable_quotas(self, rates: Mapping[str, float] | None = None, *, speedup: float = 1.0) -> Quotas:
        """Apply CloudWatch's default API quotas as token buckets (Throttling beyond them).

        ``speedup`` scales every rate (50 = a minute of quota in 1.2 s). Also makes DescribeAlarms
        page by 100 as AWS does. Returns the ``Quotas`` (``calls``, ``throttled``,
        ``projected_seconds()``); removed on close. See ``sagewatch_emulator.cloudwatch.quotas``.
        """
        self.enable_alarm_paging()
        self.quotas = install_quotas(self._extensions, rates, speedup)
        return self.quotas

    def enable_alarm_paging(self) -> None:
        """DescribeAlarms honours MaxRecords/NextToken (100 per page), as AWS does; moto does not."""
        if not self._alarm_paging:
            paginate_describe_alarms(self._extensions)
            self._alarm_paging = True

    def evaluate_queue_alarm(self, alarm_logical_id: str) -> str:
        """Evaluate an ``AWS/SQS`` ``ApproximateNumberOfMessagesVisible`` alarm of the stack now.

        moto publishes no SQS metrics and never evaluates alarms. This reads the queue named by
        the alarm's QueueName dimension, compares its visible messages with the threshold as
        CloudWatch would (one period, Maximum), and sets the alarm state with SetAlarmState.
        Returns the new state. (As on AWS, SetAlarmState runs the actions of a changed state.)
        """
        cloudwatch = self._client("cloudwatch")
        sqs = self._client("sqs")
        alarm = cloudwatch.describe_alarms(AlarmNames=[self._physical_id(alarm_logical_id)])["MetricAlarms"][0]
        if alarm.get("Namespace") != "AWS/SQS" or alarm.get("MetricName") != "ApproximateNumberOfMessagesVisible":
            raise EmulatorError(f"{alarm_logical_id} is not an SQS ApproximateNumberOfMessagesVisible alarm")
        queue_name = next(d["Value"] for d in alarm["Dimensions"] if d["Name"] == "QueueName")
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        visible = int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        threshold = float(alarm["Threshold"])
        state = "ALARM" if _COMPARISONS[alarm["ComparisonOperator"]](visible, threshold) else "OK"
        cloudwatch.set_alarm_state(
            AlarmName=alarm["AlarmName"],
            StateValue=state,
            StateReason=(
                f"emulator: ApproximateNumberOfMessagesVisible of {queue_name} is {visible} (threshold {threshold:g})"
            ),
        )
        return state
