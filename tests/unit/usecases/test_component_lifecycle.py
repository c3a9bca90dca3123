"""Onboarding.component_changed: which endpoint a component call re-fits, and when nothing is done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagewatch.config import MonitoringConfig
from sagewatch.core.monitoring.component_events import parse_component_call
from sagewatch.usecases.onboarding import Onboarding, OnboardResult

EVENTS = Path(__file__).resolve().parents[3] / "events" / "onboard"


def change(name: str) -> Any:
    return parse_component_call(json.loads((EVENTS / name).read_text()))


class FakeSageMaker:
    def __init__(self, components: dict[str, dict[str, Any]]) -> None:
        self.components = components
        self.described: list[str] = []

    def describe_component(self, name: str) -> dict[str, Any] | None:
        self.described.append(name)
        return self.components.get(name)


class FakeCloudWatch:
    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.listed: list[str] = []

    def list_alarms(self, prefix: str) -> list[dict[str, Any]]:
        self.listed.append(prefix)
        return [{"AlarmName": n} for n in self.names if n.startswith(prefix)]


class Recording(Onboarding):
    def __init__(self, sagemaker: FakeSageMaker, cloudwatch: FakeCloudWatch) -> None:
        super().__init__(sagemaker, cloudwatch, MonitoringConfig())  # type: ignore[arg-type]
        self.onboarded: list[str] = []

    def onboard(self, endpoint_name: str) -> OnboardResult:
        self.onboarded.append(endpoint_name)
        return OnboardResult(endpoint_name, "onboarded")


def test_a_created_component_refits_the_endpoint_the_call_names_without_a_describe() -> None:
    sagemaker, cloudwatch = FakeSageMaker({}), FakeCloudWatch([])
    use_case = Recording(sagemaker, cloudwatch)
    assert use_case.component_changed(change("ic-create.json")).outcome == "onboarded"
    assert use_case.onboarded == ["llm-hub"] and sagemaker.described == [] and cloudwatch.listed == []


def test_an_updated_component_is_described_to_find_its_endpoint() -> None:
    sagemaker = FakeSageMaker({"llama-ic": {"EndpointName": "llm-hub", "InferenceComponentStatus": "Updating"}})
    use_case = Recording(sagemaker, FakeCloudWatch([]))
    use_case.component_changed(change("ic-update.json"))
    assert use_case.onboarded == ["llm-hub"] and sagemaker.described == ["llama-ic"]


def test_a_component_already_gone_is_found_through_the_alarms_sagewatch_applied() -> None:
    cloudwatch = FakeCloudWatch(
        ["SageWatch/fraud/AllTraffic/cpu-utilization", "SageWatch/llm-hub/AllTraffic/invocation-5xx-rate.llama-ic"]
    )
    use_case = Recording(FakeSageMaker({}), cloudwatch)
    use_case.component_changed(change("ic-delete.json"))
    assert use_case.onboarded == ["llm-hub"] and cloudwatch.listed == ["SageWatch/"]


def test_a_gone_component_sagewatch_never_watched_changes_nothing() -> None:
    use_case = Recording(FakeSageMaker({}), FakeCloudWatch(["SageWatch/fraud/AllTraffic/cpu-utilization"]))
    result = use_case.component_changed(change("ic-delete.json"))
    assert result.outcome == "skipped" and use_case.onboarded == []


def test_a_failed_call_changes_nothing() -> None:
    sagemaker, cloudwatch = FakeSageMaker({}), FakeCloudWatch([])
    use_case = Recording(sagemaker, cloudwatch)
    result = use_case.component_changed(change("ic-create-failed.json"))
    assert result.outcome == "skipped" and "ResourceLimitExceeded" in result.reason
    assert use_case.onboarded == [] and sagemaker.described == [] and cloudwatch.listed == []
