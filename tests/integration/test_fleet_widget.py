"""The fleet dashboard's live widget, invoked like the CloudWatch console does, in the emulator."""

from __future__ import annotations

import pytest

from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration


def test_widget_lists_managed_alarms_in_alarm_and_never_fails_on_missing_metrics(account: EmulatedAccount) -> None:
    account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 1)])
    onboard = account.invoke(
        "OnboardFunction",
        {
            "source": "aws.sagemaker",
            "detail-type": "SageMaker Endpoint State Change",
            "detail": {"EndpointName": "fraud-scorer", "EndpointStatus": "IN_SERVICE"},
        },
    )
    assert onboard.error is None
    name = "SageWatch/fraud-scorer/AllTraffic/model-latency-p99"
    account.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    result = account.invoke("FleetWidgetFunction", {"widgetContext": {"dashboardName": "SageWatch-fleet"}})
    assert result.error is None, result.error
    html = result.response
    assert isinstance(html, str)
    assert name in html and "dashboards/dashboard/SageWatch_fraud-scorer" in html
    assert "SageWatch/fraud-scorer/AllTraffic/cpu-utilization" not in html  # not in ALARM
    assert result.aws_calls.get("cloudwatch.DescribeAlarms") == 1
    assert result.aws_calls.get("cloudwatch.GetMetricData") == 1


def test_widget_describes_itself(account: EmulatedAccount) -> None:
    result = account.invoke("FleetWidgetFunction", {"describe": True})
    assert result.error is None and "SageWatch fleet overview" in result.response
