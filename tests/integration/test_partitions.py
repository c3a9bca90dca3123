"""What differs by partition and alarm type, on AWS and so in the emulated account.

- GetMetricWidgetImage API reference: "GetMetricWidgetImage is not available in the AWS GovCloud
  (US) Regions. In those Regions, calls to this operation fail." (also the GovCloud (US) user
  guide, "Amazon CloudWatch in AWS GovCloud (US)").
- DescribeAlarmHistory API reference, AlarmTypes: "If you omit this parameter, only metric alarms
  are returned."
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewatch.adapters.cloudwatch.alarm_history import AlarmHistory
from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events" / "notify"
GOV = "us-gov-west-1"
SENDER = "sagewatch@example.com"
ONCALL = "oncall@example.com"
LATENCY_ALARM = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"


def govcloud_alarm(at: datetime, account_id: str) -> dict[str, Any]:
    """The p99 latency sample as CloudWatch in AWS GovCloud (US-West) sends it."""
    sample = dict(json.loads((EVENTS / "alarm-metric-latency-p99.json").read_text()))
    sns = sample["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    message.update(
        StateChangeTime=at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        Region="AWS GovCloud (US-West)",
        AWSAccountId=account_id,
        AlarmArn=f"arn:aws-us-gov:cloudwatch:{GOV}:{account_id}:alarm:{LATENCY_ALARM}",
    )
    sns["Message"] = json.dumps(message)
    sns["TopicArn"] = f"arn:aws-us-gov:sns:{GOV}:{account_id}:sagewatch-alerts"
    sns["Subject"] = f'ALARM: "{LATENCY_ALARM}" in AWS GovCloud (US-West)'
    return sample


@pytest.fixture
def govcloud() -> Iterator[EmulatedAccount]:
    with EmulatedAccount(region=GOV, parameters={"EmailSender": SENDER, "EmailRecipients": ONCALL}) as account:
        account.verify_email_identity(SENDER)
        yield account


def test_the_emulated_govcloud_account_has_no_get_metric_widget_image(govcloud: EmulatedAccount) -> None:
    with pytest.raises(ClientError) as raised:
        govcloud.client("cloudwatch").get_metric_widget_image(MetricWidget=json.dumps({"metrics": []}))
    assert raised.value.response["Error"]["Code"] == "InvalidAction"


def test_a_govcloud_alert_goes_out_without_a_chart_and_without_missing_context(govcloud: EmulatedAccount) -> None:
    at = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    govcloud.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    dims = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
    govcloud.put_metric_series("AWS/SageMaker", "ModelLatency", dims, [1_840_213.0] * 10, end=at)
    result = govcloud.invoke("NotifyFunction", govcloud_alarm(at, govcloud.account_id))
    assert result.error is None, result.error
    assert "cloudwatch.GetMetricWidgetImage" not in result.aws_calls
    assert len(result.emails) == 1
    mail = result.emails[0]
    assert "1,840 ms" in mail["text"]
    assert "cid:alarm-chart" not in mail["html"] and not mail["attachments"]
    assert "unavailable" not in mail["text"] and "chart" not in mail["text"].lower()
    assert "console.amazonaws-us-gov.com" in mail["html"]


# -- the emulated account's own ARNs and routing, in the region's partition ---------------------------
# ARNs name the partition of their region ("Amazon Resource Names (ARNs)", IAM user guide:
# arn:partition:service:region:account-id:resource; aws-cn in China, aws-us-gov in GovCloud (US)).


def test_the_emulated_govcloud_stack_s_arns_are_in_the_aws_us_gov_partition(govcloud: EmulatedAccount) -> None:
    assert str(govcloud.attribute("NotifyFunction", "Arn")).startswith(f"arn:aws-us-gov:lambda:{GOV}:")
    assert str(govcloud.attribute("OnboardFunctionRole", "Arn")).startswith("arn:aws-us-gov:iam::")
    endpoint = govcloud.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    assert str(endpoint["EndpointArn"]).startswith(f"arn:aws-us-gov:sagemaker:{GOV}:")


def test_a_govcloud_alarm_notifies_its_topic_and_so_the_alert_queue(govcloud: EmulatedAccount) -> None:
    dims = {"EndpointName": "fraud-scorer", "VariantName": "AllTraffic"}
    assert govcloud.now  # pin the simulated clock before the alarm exists
    govcloud.advance(timedelta(minutes=1))
    govcloud.alarm_engine.notifications.clear()
    topic = govcloud.physical_id("AlertTopic")
    assert topic.startswith(f"arn:aws-us-gov:sns:{GOV}:")
    govcloud.client("cloudwatch").put_metric_alarm(
        AlarmName=LATENCY_ALARM,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=250_000.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )
    govcloud.put_metric_series("AWS/SageMaker", "ModelLatency", dims, [1_840_213.0], end=govcloud.now)
    govcloud.advance(timedelta(minutes=1))
    [sent] = [n for n in govcloud.alarm_notifications if n.new_state == "ALARM"]
    assert sent.action == topic and sent.message_id is not None
    assert govcloud.queue_depth("AlertQueue")["visible"] == 1


# -- composite alarms' history --------------------------------------------------------------------

CHILD = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
COMPOSITE = "fraud-scorer-degraded"


def _composite_in_alarm(account: EmulatedAccount) -> Any:
    cloudwatch = account.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=CHILD,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        ExtendedStatistic="p99",
        Dimensions=[{"Name": "EndpointName", "Value": "fraud-scorer"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        Period=60,
        EvaluationPeriods=5,
        Threshold=250000.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.put_composite_alarm(AlarmName=COMPOSITE, AlarmRule=f'ALARM("{CHILD}")')
    cloudwatch.set_alarm_state(AlarmName=COMPOSITE, StateValue="ALARM", StateReason="test")
    return cloudwatch


def test_alarm_history_without_alarm_types_leaves_composite_alarms_out_like_aws(account: EmulatedAccount) -> None:
    cloudwatch = _composite_in_alarm(account)
    assert cloudwatch.describe_alarm_history(AlarmName=COMPOSITE)["AlarmHistoryItems"] == []
    both = cloudwatch.describe_alarm_history(AlarmName=COMPOSITE, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert {item["AlarmType"] for item in both["AlarmHistoryItems"]} == {"CompositeAlarm"}


def test_the_history_adapter_finds_when_a_composite_alarm_started(account: EmulatedAccount) -> None:
    _composite_in_alarm(account)
    started = AlarmHistory(account.client("cloudwatch")).alarm_started(COMPOSITE, datetime.now(tz=UTC))
    assert started is not None
