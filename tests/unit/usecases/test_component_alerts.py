"""An alert of an inference component's alarm names the component, its endpoint and its model,
and links to both; the one extra read (DescribeInferenceComponent) degrades to a note."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagewatch.core.alerting.notification import AlarmNotification, parse_sns_record
from sagewatch.core.alerting.routing import Destinations
from sagewatch.usecases.notify.enrich import Enricher
from sagewatch.usecases.notify.intake import BatchItem, route_batch

SAMPLE = Path(__file__).resolve().parents[3] / "events" / "notify" / "alarm-metric-latency-p99.json"
ALARM = "SageWatch/llm-hub/AllTraffic/model-latency-p99.llama-ic"


def component_notification() -> AlarmNotification:
    record = json.loads(SAMPLE.read_text())["Records"][0]
    message: dict[str, Any] = json.loads(record["Sns"]["Message"])
    message["AlarmName"] = ALARM
    message["AlarmArn"] = f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{ALARM}"
    message["Trigger"]["Dimensions"] = [{"value": "llama-ic", "name": "InferenceComponentName"}]
    record["Sns"]["Message"] = json.dumps(message)
    parsed = parse_sns_record(record)
    assert isinstance(parsed, AlarmNotification)
    return parsed


class Quiet:
    def get_metric_data(self, queries: Any, start: Any, end: Any) -> dict[str, Any]:
        return {}

    def get_widget_image(self, widget: Any) -> bytes:
        return b""

    def recent_errors(self, endpoint_name: str, since: Any, until: Any, *, limit: int = 20) -> list[str]:
        return []

    def alarm_started(self, alarm_name: str, before: Any) -> Any:
        return datetime(2026, 1, 1, tzinfo=UTC)


class Components:
    def __init__(self, answer: dict[str, Any] | Exception | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def describe_component(self, name: str) -> dict[str, Any] | None:
        self.asked.append(name)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def describe_endpoint(self, name: str) -> dict[str, Any] | None:
        return {"EndpointName": name, "EndpointStatus": "InService"}


def view(components: Components | None, notification: AlarmNotification | None = None) -> Any:
    notification = notification or component_notification()
    quiet = Quiet()
    enricher = Enricher(
        metrics=quiet,
        logs=quiet,
        history=quiet,
        series_to_minutes=lambda raw, start, end: (),
        timeout=5.0,
        components=components,
    )
    [alert] = route_batch(
        [BatchItem("m", "m", notification)],
        prefix="SageWatch",
        dashboards=True,
        defaults=Destinations(slack_secrets=("sagewatch/slack",)),
        emailing=False,
        digest_threshold=5,
    ).alerts
    return enricher.view(alert)


def test_the_alert_names_component_endpoint_and_model_and_links_to_both() -> None:
    components = Components({"EndpointName": "llm-hub", "Specification": {"ModelName": "llama-3-8b"}})
    alert = view(components)
    assert components.asked == ["llama-ic"]
    details = dict(alert.details)
    assert details["Inference component"] == "llama-ic on endpoint llm-hub"
    assert details["Model"] == "llama-3-8b"
    links = {link.label: link.url for link in alert.links}
    assert links["Endpoint"].endswith("#/endpoints/llm-hub")
    # No console URL of a component's own is documented: its endpoint's page lists it.
    assert links["Inference component llama-ic"] == links["Endpoint"]


def test_a_component_with_several_specifications_names_its_models() -> None:
    # DescribeInferenceComponent (API reference): "Specifications … one per instance type. This
    # parameter is populated when the inference component was created with multiple
    # specifications. When this parameter is populated, the singular Specification parameter is
    # not returned."
    one_model = {
        "EndpointName": "llm-hub",
        "Specifications": [
            {"InstanceType": "ml.g5.12xlarge", "ModelName": "llama-3-8b"},
            {"InstanceType": "ml.g6.12xlarge", "ModelName": "llama-3-8b"},
        ],
    }
    assert dict(view(Components(one_model)).details)["Model"] == "llama-3-8b"
    per_instance = {
        "EndpointName": "llm-hub",
        "Specifications": [
            {"InstanceType": "ml.g5.12xlarge", "ModelName": "llama-3-8b"},
            {"InstanceType": "ml.inf2.24xlarge", "ModelName": "llama-3-8b-neuron"},
        ],
    }
    assert dict(view(Components(per_instance)).details)["Model"] == (
        "llama-3-8b on ml.g5.12xlarge, llama-3-8b-neuron on ml.inf2.24xlarge"
    )


def test_a_failed_component_read_becomes_a_note_not_a_lost_alert() -> None:
    alert = view(Components(RuntimeError("AccessDenied")))
    assert dict(alert.details)["Model"].startswith("(unknown")
    assert any("inference component's model unavailable" in note for note in alert.missing_context)


def test_a_component_already_deleted_is_said_so() -> None:
    alert = view(Components(None))
    assert any("llama-ic not found" in note for note in alert.missing_context)


def test_alarms_of_no_component_make_no_extra_read() -> None:
    components = Components({})
    record = json.loads(SAMPLE.read_text())["Records"][0]
    parsed = parse_sns_record(record)
    assert isinstance(parsed, AlarmNotification)
    alert = view(components, parsed)
    assert components.asked == []
    assert "Model" not in dict(alert.details)
