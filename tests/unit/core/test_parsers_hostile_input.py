"""Property-based tests: any input to the event and alarm parsers yields a parsed model or the
project's own validation error — never another exception — and what renders stays safe."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagewatch.core.alerting.alert_builder import Enrichment, build_alarm_view
from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.enrichment import plan_metrics
from sagewatch.core.alerting.notification import AlarmNotification, InvalidAlarmMessageError, parse_sns_record
from sagewatch.core.alerting.render_email import render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.core.monitoring.events import parse_state_change
from sagewatch.core.shared.errors import InvalidEventError
from sagewatch_emulator.slack_blocks import validate_slack_message

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
hostile_text = st.text(max_size=300) | st.sampled_from(
    ["<!channel>", "<@U123ABC>", "<https://evil.example|click>", "<script>alert(1)</script>", "&amp;<>", "```", ""]
)

COMMON = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(
    st.fixed_dictionaries(
        {
            "source": st.sampled_from(["aws.sagemaker", "aws.ec2"]) | json_values,
            "detail-type": st.sampled_from(["SageMaker Endpoint State Change"]) | json_values,
        },
        optional={
            "detail": json_values
            | st.dictionaries(
                st.sampled_from(
                    [
                        "EndpointName",
                        "EndpointStatus",
                        "ProductionVariants",
                        "Tags",
                        "EndpointConfigName",
                        "FailureReason",
                    ]
                ),
                json_values,
            )
        },
    )
    | json_values
)
def test_event_parser_never_raises_anything_but_its_own_error(event: Any) -> None:
    with contextlib.suppress(InvalidEventError):
        parse_state_change(event)


alarm_fields = st.fixed_dictionaries(
    {},
    optional={
        "AlarmName": hostile_text | json_values,
        "AlarmArn": st.sampled_from(["arn:aws:cloudwatch:us-east-1:123456789012:alarm:x", "nope"]) | json_values,
        "AlarmDescription": hostile_text | json_values,
        "NewStateValue": st.sampled_from(["ALARM", "OK", "INSUFFICIENT_DATA"]) | json_values,
        "OldStateValue": json_values,
        "NewStateReason": hostile_text | json_values,
        "StateChangeTime": st.sampled_from(["2026-11-28T03:12:00.000+0000", "yesterday"]) | json_values,
        "Trigger": json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "MetricName": json_values,
                "Namespace": json_values,
                "Dimensions": json_values,
                "Threshold": json_values,
                "Statistic": json_values,
                "ExtendedStatistic": json_values,
                "Metrics": json_values,
                "Period": json_values,
                "ComparisonOperator": json_values,
                "ThresholdMetricId": json_values,
            },
        ),
        "AlarmRule": json_values,
        "TriggeringChildren": json_values,
    },
)


@COMMON
@given(alarm_fields, st.text(min_size=1, max_size=20))
def test_alarm_parser_and_renderers_accept_anything_or_fail_clearly(message: dict[str, Any], message_id: str) -> None:
    check_message(message, message_id)


def check_message(message: dict[str, Any], message_id: str) -> None:
    record = {"Sns": {"MessageId": message_id, "Message": json.dumps(message, default=str)}}
    try:
        parsed = parse_sns_record(record)
    except InvalidAlarmMessageError:
        return
    if not isinstance(parsed, AlarmNotification):
        return
    target = resolve_target(parsed, "SageWatch")
    plan = plan_metrics(parsed, target)
    view = build_alarm_view(parsed, target, plan, Enrichment(), prefix="SageWatch", dashboards=True)
    payload = render_slack(view)
    assert validate_slack_message(payload) == []
    raw = json.dumps(payload)
    for forbidden in ("<!channel>", "<@U123ABC>", "<https://evil"):
        assert forbidden not in raw
    email = render_email(view)
    assert "<script>" not in email.html


SAMPLES = Path(__file__).resolve().parents[3] / "events" / "notify"


def _sample_message(record: dict[str, Any]) -> Any:
    """The alarm message of a sample record: SNS→Lambda (``Sns``) or SNS→SQS→Lambda (``body``)."""
    envelope = record["Sns"] if "Sns" in record else json.loads(record["body"])
    return json.loads(envelope["Message"])


VALID = [
    _sample_message(record)
    for p in sorted(SAMPLES.glob("*.json"))
    if "failed" not in p.name
    for record in json.loads(p.read_text())["Records"]
]


@COMMON
@given(
    st.sampled_from(VALID),
    st.sampled_from(["AlarmName", "AlarmDescription", "NewStateReason", "Trigger", "AlarmRule", "StateChangeTime"]),
    hostile_text | json_values,
)
def test_one_hostile_field_in_a_real_message(base: dict[str, Any], field: str, value: Any) -> None:
    message = dict(base) | {field: value}
    check_message(message, "m-1")
