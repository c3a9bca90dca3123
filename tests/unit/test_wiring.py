"""The composition root: use cases from a client factory, the SSM policy refreshed on its TTL."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sagewatch.config import MonitoringConfig, NotifyConfig, OnboardConfig, ReconcileConfig
from sagewatch.wiring import POLICY_TTL_SECONDS, Wiring


class FakeSsm:
    def __init__(self) -> None:
        self.value = json.dumps({"thresholds": {"disk-utilization": 70}})
        self.reads = 0

    def get_parameter(self, **kwargs: Any) -> dict[str, Any]:
        self.reads += 1
        return {"Parameter": {"Value": self.value}}


class Factory:
    def __init__(self) -> None:
        self.built: list[str] = []
        self.ssm = FakeSsm()

    def __call__(self, service: str) -> Any:
        self.built.append(service)
        return self.ssm if service == "ssm" else object()


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_clients_are_built_once_on_first_use() -> None:
    factory = Factory()
    wiring = Wiring(factory)
    assert factory.built == []  # nothing at construction: INIT stays cheap
    assert wiring.client("cloudwatch") is wiring.client("cloudwatch")
    assert factory.built == ["cloudwatch"]


def test_policy_parameter_is_read_on_its_ttl_or_when_fresh() -> None:
    factory, clock = Factory(), Clock()
    wiring = Wiring(factory, clock=clock)
    config = OnboardConfig(policy_parameter="/sagewatch/policy")
    assert wiring.with_current_policy(config).policy.threshold("disk-utilization") == 70
    factory.ssm.value = json.dumps({"thresholds": {"disk-utilization": 60}})
    assert wiring.with_current_policy(config).policy.threshold("disk-utilization") == 70  # cached
    clock.now = POLICY_TTL_SECONDS + 1
    assert wiring.with_current_policy(config).policy.threshold("disk-utilization") == 60
    assert wiring.with_current_policy(config, fresh=True) is not None
    assert factory.ssm.reads == 3
    no_parameter = OnboardConfig()
    assert wiring.with_current_policy(no_parameter) is no_parameter


def test_the_reconcile_plans_with_the_policy_version_the_worker_applies() -> None:
    factory = Factory()
    wiring = Wiring(factory)
    shared = {"policy_parameter": "/sagewatch/policy", "alert_topic_arn": "arn:t", "state_table": "t"}
    reconcile = ReconcileConfig(queue_url="q", **shared)  # type: ignore[arg-type]
    worker = wiring.onboard_worker(OnboardConfig(**shared))  # type: ignore[arg-type]
    reconciler = wiring.reconciler(reconcile)
    assert reconciler._policy_version == worker.policy_version
    # The policy is read now; every other client waits for its first call.
    assert factory.built == ["ssm"]


def test_use_cases_are_wired_without_building_a_client_they_may_never_call() -> None:
    factory = Factory()
    wiring = Wiring(factory)
    onboard = OnboardConfig(alert_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts", state_table="state")
    wiring.onboarding(onboard)
    wiring.onboard_worker(onboard)
    wiring.model_monitor_run_alerts(onboard)
    assert factory.built == []
    notify = NotifyConfig(
        default_slack_secret="sagewatch/slack",
        email_sender="sagewatch@example.com",
        email_recipients=("oncall@example.com",),
        alert_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/alerts",
        monitoring_reports="reports-bucket",
    )
    wiring.notifier(notify)
    assert factory.built == []  # not SES, SQS, S3, Secrets Manager, CloudWatch, Logs: each waits for its call


def test_a_deferred_client_is_built_once_by_its_first_call_even_from_several_threads() -> None:
    calls: list[str] = []

    class Logs:
        def filter_log_events(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs["logGroupName"])
            return {"events": []}

    built: list[str] = []

    def factory(service: str) -> Any:
        built.append(service)
        time.sleep(0.01)  # a slow build: the other threads arrive while it runs
        return Logs()

    wiring = Wiring(factory)
    logs = wiring.deferred("logs")
    assert built == []
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: logs.filter_log_events(logGroupName=f"g{n}"), range(4)))
    assert built == ["logs"] and sorted(calls) == ["g0", "g1", "g2", "g3"]
    assert wiring.built() == {"logs"}


def test_the_notifier_is_built_once() -> None:
    wiring = Wiring(Factory())
    config = NotifyConfig(default_slack_secret="sagewatch/slack")
    assert wiring.notifier(config) is wiring.notifier(config)


def test_the_cli_operator_is_wired_from_the_same_root() -> None:
    from sagewatch_cli.operator import operator as cli_operator

    factory = Factory()
    operator = cli_operator(Wiring(factory), MonitoringConfig(name_prefix="Ops"), write_tps=0)
    assert operator.config.name_prefix == "Ops"
    assert operator.onboarding.policy_version == operator.config.policy_version
    assert sorted(set(factory.built)) == ["cloudwatch", "sagemaker"]
