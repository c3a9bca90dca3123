from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from sagewatch.core.alerting.alert_target import resolve_target
from sagewatch.core.alerting.enrichment import charts_available, plan_metrics, widget_for
from sagewatch.core.alerting.notification import (
    AlarmKind,
    AlarmNotification,
    EndpointFailureNotice,
    InvalidAlarmMessageError,
    parse_sns_record,
    summarize_unreadable,
    value_from_reason,
)
from sagewatch.core.shared.alarm_context import AlarmContext, split_description

EVENTS = Path(__file__).resolve().parents[4] / "events" / "notify"


def record(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text())["Records"][0])


def alarm(name: str) -> AlarmNotification:
    parsed = parse_sns_record(record(name))
    assert isinstance(parsed, AlarmNotification)
    return parsed


@pytest.mark.parametrize(
    ("name", "kind", "state"),
    [
        ("alarm-metric-latency-p99.json", AlarmKind.METRIC, "ALARM"),
        ("ok-metric-latency-p99.json", AlarmKind.METRIC, "OK"),
        ("alarm-math-5xx-rate.json", AlarmKind.MATH, "ALARM"),
        ("ok-math-5xx-rate.json", AlarmKind.MATH, "OK"),
        ("alarm-anomaly-invocations.json", AlarmKind.ANOMALY, "ALARM"),
        ("ok-anomaly-invocations.json", AlarmKind.ANOMALY, "OK"),
        ("alarm-composite.json", AlarmKind.COMPOSITE, "ALARM"),
        ("ok-composite-no-children.json", AlarmKind.COMPOSITE, "OK"),
        ("insufficient-data-metric.json", AlarmKind.METRIC, "INSUFFICIENT_DATA"),
        ("alarm-generic-ec2.json", AlarmKind.METRIC, "ALARM"),
        ("ok-generic-ec2.json", AlarmKind.METRIC, "OK"),
    ],
)
def test_every_sample_parses(name: str, kind: AlarmKind, state: str) -> None:
    parsed = alarm(name)
    assert parsed.kind is kind and parsed.new_state == state
    assert parsed.region == "us-east-1"  # from the ARN, not "US East (N. Virginia)"
    assert parsed.message_id.startswith("b1f0d1c2-")


def test_trigger_details_are_normalised() -> None:
    latency = alarm("alarm-metric-latency-p99.json")
    assert latency.metric is not None
    assert latency.metric.stat == "p99"
    assert latency.metric.dimension("EndpointName") == "fraud-scorer"  # lowercase name/value in the message
    assert latency.threshold == 250_000.0
    assert latency.breaching_value == 1840213.0
    ec2 = alarm("alarm-generic-ec2.json")
    assert ec2.metric is not None and ec2.metric.stat == "Average"  # "AVERAGE" upper case in the message
    assert ec2.description is None  # AlarmDescription null
    anomaly = alarm("alarm-anomaly-invocations.json")
    assert anomaly.threshold is None and anomaly.threshold_metric_id == "ad1"
    composite = alarm("alarm-composite.json")
    assert composite.alarm_rule and len(composite.triggering_children) == 1
    assert alarm("ok-composite-no-children.json").triggering_children == ()


def test_failure_notice() -> None:
    notice = parse_sns_record(record("endpoint-failed.json"))
    assert isinstance(notice, EndpointFailureNotice)
    assert notice.endpoint_name == "image-embedder" and "ping health check" in notice.reason


def _with_message(name: str, mutate: Any) -> dict[str, Any]:
    rec = copy.deepcopy(record(name))
    message = json.loads(rec["Sns"]["Message"])
    mutate(message)
    rec["Sns"]["Message"] = json.dumps(message)
    return rec


@pytest.mark.parametrize(
    ("rec", "message"),
    [
        ({"Sns": {"MessageId": "m1", "Message": "not json {"}}, "Message is not JSON"),
        ({"Sns": {"MessageId": "m1", "Message": "[1, 2]"}}, "must be a JSON object"),
        ({"Sns": {"Message": "{}"}}, "no MessageId"),
        (_with_message("alarm-metric-latency-p99.json", lambda m: m.pop("AlarmName")), "AlarmName is missing"),
        (
            _with_message("alarm-metric-latency-p99.json", lambda m: m["Trigger"].__setitem__("Threshold", "high")),
            "Trigger.Threshold must be a number, got 'high'",
        ),
        (
            _with_message("alarm-metric-latency-p99.json", lambda m: m.__setitem__("NewStateValue", "PANIC")),
            "NewStateValue 'PANIC'",
        ),
        (_with_message("alarm-metric-latency-p99.json", lambda m: m.pop("Trigger")), "neither Trigger nor AlarmRule"),
        (_with_message("alarm-metric-latency-p99.json", lambda m: m.__setitem__("AlarmArn", "nope")), "not an ARN"),
    ],
)
def test_malformed_messages_raise_a_clear_error(rec: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidAlarmMessageError, match=message.replace("(", r"\(")):
        parse_sns_record(rec)


def test_value_from_reason() -> None:
    assert value_from_reason("... datapoints [2.0 (28/11/26 03:11:00), 1.5 (x)] was greater") == 2.0
    assert value_from_reason("Insufficient Data: 5 datapoints were unknown.") is None


def test_alarm_context_round_trip_and_stripping() -> None:
    context = AlarmContext(
        kind="real-time", instance="ml.g5.12xlarge", unit="%", scale=0.25, slack="sagewatch/team", email=("a@x.io",)
    )
    text, parsed = split_description("Something is wrong. " + context.encode())
    assert text == "Something is wrong."
    assert parsed == context
    assert split_description("plain text") == ("plain text", None)
    with pytest.raises(ValueError, match="may not contain spaces"):
        AlarmContext(slack="has space").encode()


def test_target_resolution_by_name_dimensions_and_children() -> None:
    own = resolve_target(alarm("alarm-metric-latency-p99.json"), "SageWatch")
    assert (own.endpoint, own.variant, own.alarm_key) == ("fraud-scorer", "AllTraffic", "model-latency-p99")
    assert own.context is not None and own.context.scale == 0.001
    assert own.description is not None and "[sagewatch" not in own.description
    by_dims = resolve_target(alarm("alarm-anomaly-invocations.json"), "SageWatch")
    assert (by_dims.endpoint, by_dims.variant, by_dims.alarm_key) == ("fraud-scorer", "AllTraffic", None)
    composite = resolve_target(alarm("alarm-composite.json"), "SageWatch")
    assert composite.endpoint == "fraud-scorer"
    assert not resolve_target(alarm("ok-composite-no-children.json"), "SageWatch").is_endpoint
    assert not resolve_target(alarm("alarm-generic-ec2.json"), "SageWatch").is_endpoint


def test_one_request_plans_the_alarm_and_the_key_metrics() -> None:
    notification = alarm("alarm-metric-latency-p99.json")
    plan = plan_metrics(notification, resolve_target(notification, "SageWatch"))
    ids = [q["Id"] for q in plan.queries]
    assert len(ids) == len(set(ids)) and all(i[0].islower() for i in ids)
    assert ids[0] == "alarm"
    stats = {
        q["MetricStat"]["Metric"]["MetricName"]: q["MetricStat"]["Stat"] for q in plan.queries if "MetricStat" in q
    }
    assert stats["ModelLatency"] == "p99"  # the alarm's own; the key-metric duplicate is skipped
    assert {"Invocations", "Invocation5XXErrors", "CPUUtilization"} <= set(stats)
    cpu = next(s for s in plan.series if s.id == "swcpu")
    assert cpu.scale == pytest.approx(1 / 4) and cpu.label == "CPU (per core)"
    assert (plan.end - plan.start).total_seconds() == 3600
    latency = next(s for s in plan.series if s.highlight)
    assert latency.unit == "ms" and latency.scale == 0.001


def test_math_alarm_plan_keeps_its_expression_and_generic_alarms_get_no_key_metrics() -> None:
    notification = alarm("alarm-math-5xx-rate.json")
    plan = plan_metrics(notification, resolve_target(notification, "SageWatch"))
    expressions = [q["Expression"] for q in plan.queries if "Expression" in q]
    assert "IF(invocations > 0, 100 * errors / invocations)" in expressions
    assert any(s.highlight and s.id == "rate" for s in plan.series)
    assert any(s.id == "swgpu" and s.scale == pytest.approx(1 / 4) for s in plan.series)  # g5.12xlarge: 4 GPUs
    ec2 = alarm("alarm-generic-ec2.json")
    generic = plan_metrics(ec2, resolve_target(ec2, "SageWatch"))
    assert [q["Id"] for q in generic.queries] == ["alarm"]
    widget = widget_for(ec2, resolve_target(ec2, "SageWatch"))
    assert widget is not None and widget["metrics"][0][:2] == ["AWS/EC2", "CPUUtilization"]


@pytest.mark.parametrize(
    ("region", "charted"), [("us-gov-west-1", False), ("us-gov-east-1", False), ("cn-north-1", True)]
)
def test_no_chart_is_planned_where_get_metric_widget_image_does_not_exist(region: str, charted: bool) -> None:
    # GetMetricWidgetImage API reference: "not available in the AWS GovCloud (US) Regions. In
    # those Regions, calls to this operation fail." No request, so no failed read to report.
    commercial = alarm("alarm-metric-latency-p99.json")
    assert charts_available(commercial.region) and widget_for(commercial, resolve_target(commercial, "SageWatch"))
    moved = dataclasses.replace(commercial, region=region)
    assert charts_available(region) is charted
    assert (widget_for(moved, resolve_target(moved, "SageWatch")) is not None) is charted


# -- older bodies: no AlarmArn, no action lists, Unit "", wrapped TreatMissingData -------------


def legacy(mutate: Any = None, **sns: Any) -> dict[str, Any]:
    rec = _with_message("alarm-legacy-body.json", mutate or (lambda m: None))
    rec["Sns"].update(sns)
    return rec


def parsed_alarm(rec: dict[str, Any]) -> AlarmNotification:
    parsed = parse_sns_record(rec)
    assert isinstance(parsed, AlarmNotification)
    return parsed


def test_the_legacy_sample_is_the_older_shape() -> None:
    message = json.loads(record("alarm-legacy-body.json")["Sns"]["Message"])
    assert not {"AlarmArn", "AlarmConfigurationUpdatedTimestamp", "OKActions", "AlarmActions"} & set(message)
    assert message["Trigger"]["Unit"] == ""
    assert message["Trigger"]["TreatMissingData"].startswith("- TreatMissingData:")


def test_an_older_body_is_an_alarm_in_its_region_with_a_rebuilt_arn() -> None:
    parsed = alarm("alarm-legacy-body.json")
    assert parsed.new_state == "ALARM" and parsed.old_state == "OK"
    assert parsed.kind is AlarmKind.METRIC
    assert parsed.region == "eu-west-1"  # "EU (Ireland)", the name before "Europe (Ireland)"
    assert parsed.account_id == "123456789012"
    assert parsed.alarm_arn == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-scorer-latency-high"
    assert parsed.treat_missing_data == "missing"
    assert parsed.metric is not None and parsed.metric.unit is None and parsed.metric.stat == "Average"
    assert parsed.threshold == 250_000.0 and parsed.breaching_value == 1840213.0
    target = resolve_target(parsed, "SageWatch")
    assert (target.endpoint, target.variant) == ("fraud-scorer", "AllTraffic")


def test_the_region_comes_from_the_arn_then_the_display_name_then_the_topic() -> None:
    # The display name wins over the topic; the AlarmArn wins over both.
    assert parsed_alarm(legacy(TopicArn="arn:aws:sns:us-west-2:123456789012:t")).region == "eu-west-1"
    with_arn = legacy(lambda m: m.__setitem__("AlarmArn", "arn:aws:cloudwatch:ap-south-1:123456789012:alarm:x"))
    assert parsed_alarm(with_arn).region == "ap-south-1"
    unknown_name = legacy(lambda m: m.__setitem__("Region", "Moon Base (Tycho)"))
    unknown_name["Sns"]["TopicArn"] = "arn:aws-cn:sns:cn-northwest-1:210987654321:alerts"
    parsed = parsed_alarm(unknown_name)
    assert parsed.region == "cn-northwest-1"
    assert parsed.alarm_arn.startswith("arn:aws-cn:cloudwatch:cn-northwest-1:123456789012:alarm:")
    no_account = legacy(lambda m: m.pop("AWSAccountId"), TopicArn="arn:aws:sns:eu-west-1:210987654321:alerts")
    assert parsed_alarm(no_account).account_id == "210987654321"
    gov = legacy(lambda m: m.__setitem__("Region", "AWS GovCloud (US-West)"))
    assert parsed_alarm(gov).alarm_arn.startswith("arn:aws-us-gov:cloudwatch:us-gov-west-1:")


def test_a_region_that_is_not_a_region_code_never_reaches_a_link() -> None:
    hostile = legacy(lambda m: m.__setitem__("AlarmArn", "arn:aws:cloudwatch:evil.example/#:123456789012:alarm:x"))
    assert parsed_alarm(hostile).region == "eu-west-1"  # the display name, not the ARN's host
    nowhere = legacy(lambda m: m.__setitem__("Region", "somewhere"))
    del nowhere["Sns"]["TopicArn"]
    with pytest.raises(InvalidAlarmMessageError, match="no region"):
        parse_sns_record(nowhere)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("- TreatMissingData:                    missing", "missing"),
        ("- TreatMissingData:                    notBreaching", "notBreaching"),
        ("breaching", "breaching"),
        ("whatever", None),
    ],
)
def test_treat_missing_data_is_read_in_both_shapes(raw: str, expected: str | None) -> None:
    rec = legacy(lambda m: m["Trigger"].__setitem__("TreatMissingData", raw))
    assert parsed_alarm(rec).treat_missing_data == expected


# -- what is said about a message that cannot be read -----------------------------------------


def test_an_unreadable_alarm_keeps_its_state_and_shows_fields_not_json() -> None:
    message = json.loads(record("alarm-metric-latency-p99.json")["Sns"]["Message"])
    message["Trigger"]["Threshold"] = "high"
    summary = summarize_unreadable(json.dumps(message))
    assert summary.state == "ALARM"
    assert "AlarmName: SageWatch/fraud-scorer/AllTraffic/model-latency-p99" in summary.text
    assert "Trigger.Threshold: high" in summary.text
    assert "{" not in summary.text and '"AlarmName"' not in summary.text
    assert len(summary.text) < 1500  # short, whatever the message carried


def test_a_cut_or_non_json_message_is_summarised_too() -> None:
    cut = record("alarm-metric-latency-p99.json")["Sns"]["Message"][:800]  # cut inside the reason
    summary = summarize_unreadable(cut)
    assert summary.state == "ALARM" and "AlarmName: SageWatch/fraud-scorer" in summary.text
    assert "{" not in summary.text
    assert summarize_unreadable("hello   from\na test publish").text == "Text: hello from a test publish"
    nothing = summarize_unreadable('{"foo": [1, 2, 3]}')
    assert nothing.state is None and nothing.text.startswith("No field could be read")
    assert summarize_unreadable(json.dumps({"NewStateValue": "PANIC"})).state is None
