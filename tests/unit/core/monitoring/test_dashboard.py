"""The dashboard builder: metric queries, unit conversions, normalisation, alarms and layout."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from sagewatch.core.monitoring.alarm_spec import AlarmSpec, Display, Metric
from sagewatch.core.monitoring.dashboard import GRID_WIDTH, build_dashboard, dashboard_body_json
from sagewatch.core.monitoring.profile import EndpointProfile, ServerlessConfig, VariantProfile
from sagewatch.core.shared.namespaces import INSTANCE_NAMESPACE, INVOCATION_NAMESPACE
from sagewatch.core.shared.naming import alarm_name

PREFIX = "SageWatch"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
ASYNC_ENDPOINT_METRICS = {
    "ApproximateBacklogSize",
    "ApproximateAgeOfOldestRequest",
    "HasBacklogWithoutCapacity",
}


def make_profile(name: str, *variants: VariantProfile, is_async: bool = False) -> EndpointProfile:
    return EndpointProfile(
        name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}",
        region=REGION,
        status="InService",
        config_name=f"{name}-config",
        variants=variants,
        is_async=is_async,
    )


def cpu_profile() -> EndpointProfile:
    return make_profile("fraud", VariantProfile("AllTraffic", "ml.m5.xlarge", 2))


def mixed_profile() -> EndpointProfile:
    return make_profile(
        "ranker",
        VariantProfile("gpu-a", "ml.g5.12xlarge", 1),
        VariantProfile("cpu-b", "ml.m5.xlarge", 3),
    )


def serverless_profile() -> EndpointProfile:
    return make_profile("tiny", VariantProfile("AllTraffic", serverless=ServerlessConfig(2048, 20)))


def async_profile() -> EndpointProfile:
    return make_profile("batchy", VariantProfile("AllTraffic", "ml.c5.xlarge", 1), is_async=True)


def unknown_profile() -> EndpointProfile:
    return make_profile("future", VariantProfile("AllTraffic", "ml.z99.mega", 1))


ALL_PROFILES = [cpu_profile, mixed_profile, serverless_profile, async_profile, unknown_profile]


def make_alarm(endpoint: str, variant: str | None, key: str) -> AlarmSpec:
    return AlarmSpec(
        name=alarm_name(PREFIX, endpoint, variant, key),
        key=key,
        endpoint=endpoint,
        variant=variant,
        description="test",
        threshold=1.0,
        comparison="GreaterThanThreshold",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        display=Display("count"),
        metric=Metric(INVOCATION_NAMESPACE, "Invocation5XXErrors", (("EndpointName", endpoint),), "Sum"),
    )


# --- helpers that read the body the way CloudWatch does ------------------------------------


def metric_widgets(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in body["widgets"] if w["type"] == "metric"]


def queries(widget: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, str], dict[str, Any]]]:
    """(namespace, metric name, dimensions, options) of each metric (not expression) entry."""
    for entry in widget["properties"]["metrics"]:
        if isinstance(entry, dict):
            continue
        namespace, name, *rest = entry
        options = rest.pop() if rest and isinstance(rest[-1], dict) else {}
        dims = dict(zip(rest[::2], rest[1::2], strict=True))
        yield namespace, name, dims, options


def expressions(widget: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in widget["properties"]["metrics"] if isinstance(e, dict)]


def all_queries(body: dict[str, Any]) -> list[tuple[str, str, dict[str, str], dict[str, Any]]]:
    return [q for w in metric_widgets(body) for q in queries(w)]


def widget_with_metric(body: dict[str, Any], metric: str, variant: str | None = None) -> list[dict[str, Any]]:
    return [
        w
        for w in metric_widgets(body)
        if any(name == metric and (variant is None or d.get("VariantName") == variant) for _, name, d, _ in queries(w))
    ]


def build(profile: EndpointProfile, alarms: list[AlarmSpec] | None = None) -> dict[str, Any]:
    return build_dashboard(profile, alarms or [], prefix=PREFIX)


# --- metric queries ------------------------------------------------------------------------


@pytest.mark.parametrize("factory", ALL_PROFILES)
def test_every_variant_metric_is_queried_with_endpoint_and_variant(factory: Any) -> None:
    profile = factory()
    body = build(profile)
    variants = {v.name for v in profile.variants}
    found = all_queries(body)
    assert found
    for namespace, name, dims, _ in found:
        assert namespace in (INVOCATION_NAMESPACE, INSTANCE_NAMESPACE)
        assert dims["EndpointName"] == profile.name
        if name in ASYNC_ENDPOINT_METRICS:
            # The async queue belongs to the endpoint: a VariantName dimension would match nothing.
            assert set(dims) == {"EndpointName"}
        else:
            assert set(dims) == {"EndpointName", "VariantName"}
            assert dims["VariantName"] in variants


@pytest.mark.parametrize("factory", ALL_PROFILES)
def test_every_metric_widget_uses_the_profile_region(factory: Any) -> None:
    for widget in metric_widgets(build(factory())):
        assert widget["properties"]["region"] == REGION


def test_namespaces_split_invocation_and_instance_metrics() -> None:
    namespaces = {name: ns for ns, name, _, _ in all_queries(build(mixed_profile()))}
    for name in (
        "Invocations",
        "Invocation4XXErrors",
        "Invocation5XXErrors",
        "ModelLatency",
        "OverheadLatency",
    ):
        assert namespaces[name] == INVOCATION_NAMESPACE
    for name in (
        "CPUUtilization",
        "MemoryUtilization",
        "DiskUtilization",
        "GPUUtilization",
        "GPUMemoryUtilization",
    ):
        assert namespaces[name] == INSTANCE_NAMESPACE


@pytest.mark.parametrize("factory", ALL_PROFILES)
def test_expression_ids_are_lowercase_unique_and_resolve(factory: Any) -> None:
    for widget in metric_widgets(build(factory())):
        ids = [opts["id"] for *_, opts in queries(widget) if "id" in opts]
        ids += [e["id"] for e in expressions(widget)]
        assert len(ids) == len(set(ids)), widget["properties"]["title"]
        for expr_id in ids:
            assert re.fullmatch(r"[a-z][a-zA-Z0-9_]*", expr_id)
        for expr in expressions(widget):
            referenced = set(re.findall(r"\b[a-z][a-zA-Z0-9_]*\b", expr["expression"]))
            assert referenced <= set(ids), expr


# --- unit conversions and normalisation ----------------------------------------------------


@pytest.mark.parametrize("metric", ["ModelLatency", "OverheadLatency"])
def test_latency_is_shown_in_milliseconds_with_raw_microseconds_hidden(metric: str) -> None:
    [widget] = widget_with_metric(build(cpu_profile()), metric)
    raw = list(queries(widget))
    assert {opts["stat"] for *_, opts in raw} == {"p50", "p90", "p99"}
    assert all(opts["visible"] is False for *_, opts in raw)
    exprs = expressions(widget)
    assert len(exprs) == 3
    for expr in exprs:
        assert expr["expression"].endswith("/ 1000")
        assert expr["label"].endswith("(ms)")
    assert f"{metric} p99 (ms)" in {e["label"] for e in exprs}


def test_error_rates_are_percentages_guarded_against_no_traffic() -> None:
    [widget] = widget_with_metric(build(cpu_profile()), "Invocation5XXErrors")
    by_label = {e["label"]: e["expression"] for e in expressions(widget)}
    assert set(by_label) == {"4XX %", "5XX %"}
    for expression in by_label.values():
        assert re.fullmatch(r"IF\(inv > 0, 100 \* err[45] / inv\)", expression)


@pytest.mark.parametrize(
    ("factory", "variant", "vcpus"),
    [(cpu_profile, "AllTraffic", 4), (mixed_profile, "gpu-a", 48), (mixed_profile, "cpu-b", 4)],
)
def test_cpu_is_normalised_by_the_vcpu_count(factory: Any, variant: str, vcpus: int) -> None:
    [widget] = widget_with_metric(build(factory()), "CPUUtilization", variant)
    assert all(opts["visible"] is False for *_, opts in queries(widget))
    exprs = [e["expression"] for e in expressions(widget)]
    assert exprs
    assert all(e.endswith(f"/ {vcpus}") for e in exprs)
    assert widget["properties"]["yAxis"]["left"]["max"] == 100


def test_unknown_instance_type_shows_raw_cpu_labelled_as_summed() -> None:
    body = build(unknown_profile())
    [widget] = widget_with_metric(body, "CPUUtilization")
    [(_, _, _, opts)] = list(queries(widget))
    assert opts.get("visible", True) is True
    assert "summed over cores" in opts["label"]
    assert not expressions(widget)
    assert "max" not in widget["properties"]["yAxis"]["left"]
    assert not widget_with_metric(body, "GPUUtilization")


def test_gpu_widgets_only_for_gpu_variants_and_normalised_by_gpu_count() -> None:
    body = build(mixed_profile())
    [gpu_widget] = widget_with_metric(body, "GPUUtilization")
    assert {d["VariantName"] for _, _, d, _ in queries(gpu_widget)} == {"gpu-a"}
    assert {e["expression"] for e in expressions(gpu_widget)} == {"gpu / 4", "gpumem / 4"}
    assert not widget_with_metric(body, "GPUMemoryUtilization", "cpu-b")
    assert not widget_with_metric(build(cpu_profile()), "GPUUtilization")


def test_several_variants_get_titled_widgets_in_their_own_rows() -> None:
    body = build(mixed_profile())
    rows: dict[str, set[int]] = {"gpu-a": set(), "cpu-b": set()}
    for widget in metric_widgets(body):
        variant = next(d["VariantName"] for _, _, d, _ in queries(widget))
        assert widget["properties"]["title"].startswith(f"{variant}: ")
        rows[variant].add(widget["y"])
    assert max(rows["gpu-a"]) < min(rows["cpu-b"])


def test_single_variant_titles_carry_no_variant_name() -> None:
    for widget in metric_widgets(build(cpu_profile())):
        assert not widget["properties"]["title"].startswith("AllTraffic")


# --- endpoint kinds ------------------------------------------------------------------------


def test_serverless_has_cold_start_concurrency_and_memory_but_no_instance_metrics() -> None:
    body = build(serverless_profile())
    names = {name for _, name, _, _ in all_queries(body)}
    assert {"Invocations", "Invocation5XXErrors", "ModelLatency", "ModelSetupTime"} <= names
    assert {"ServerlessConcurrentExecutionsUtilization", "MemoryUtilization"} <= names
    assert not names & {"CPUUtilization", "DiskUtilization", "GPUUtilization", "GPUMemoryUtilization"}
    [setup] = widget_with_metric(body, "ModelSetupTime")
    assert all(e["expression"].endswith("/ 1000") for e in expressions(setup))


def test_async_has_a_queue_row_and_no_invocation_based_rates() -> None:
    body = build(async_profile())
    found = all_queries(body)
    names = {name for _, name, _, _ in found}
    assert names >= ASYNC_ENDPOINT_METRICS
    assert {"Invocations", "OverheadLatency"}.isdisjoint(names)
    labels = {e["label"] for w in metric_widgets(body) for e in expressions(w)}
    assert not labels & {"4XX %", "5XX %"}
    assert {"InvocationFailures", "ModelLatency", "CPUUtilization"} <= names
    [cpu] = widget_with_metric(body, "CPUUtilization")
    assert all(e["expression"].endswith("/ 4") for e in expressions(cpu))  # ml.c5.xlarge: 4 vCPUs
    queue_rows = {w["y"] for name in ASYNC_ENDPOINT_METRICS for w in widget_with_metric(body, name)}
    assert len(queue_rows) == 1


# --- header --------------------------------------------------------------------------------


def test_header_describes_the_endpoint_and_links_console_and_logs() -> None:
    body = build(mixed_profile())
    header = body["widgets"][0]
    assert header["type"] == "text"
    assert (header["x"], header["y"], header["width"]) == (0, 0, GRID_WIDTH)
    markdown = header["properties"]["markdown"]
    for text in ("ranker", "real-time", "InService", "ranker-config", "gpu-a", "cpu-b"):
        assert text in markdown
    assert "ml.g5.12xlarge \u00d7 1" in markdown
    assert "48 vCPU" in markdown
    assert "4 \u00d7 NVIDIA A10G" in markdown
    assert f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}#/endpoints/ranker" in markdown
    assert "/aws/sagemaker/Endpoints/ranker" in markdown


def test_header_shows_serverless_memory_and_concurrency() -> None:
    markdown = build(serverless_profile())["widgets"][0]["properties"]["markdown"]
    assert "2048 MB" in markdown
    assert "max concurrency 20" in markdown
    assert "serverless" in markdown


# --- alarms --------------------------------------------------------------------------------


def test_alarm_widget_lists_alarm_arns() -> None:
    profile = mixed_profile()
    alarms = [make_alarm("ranker", "gpu-a", "model-latency-p99"), make_alarm("ranker", None, "x")]
    [widget] = [w for w in build(profile, alarms)["widgets"] if w["type"] == "alarm"]
    assert widget["properties"]["alarms"] == sorted(
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{a.name}" for a in alarms
    )


def test_no_alarm_widget_without_alarms() -> None:
    assert all(w["type"] != "alarm" for w in build(cpu_profile())["widgets"])


def test_more_than_100_alarms_are_split_across_widgets() -> None:
    alarms = [make_alarm("fraud", "AllTraffic", f"key-{i:03d}") for i in range(230)]
    widgets = [w for w in build(cpu_profile(), alarms)["widgets"] if w["type"] == "alarm"]
    assert [len(w["properties"]["alarms"]) for w in widgets] == [100, 100, 30]
    assert len({arn for w in widgets for arn in w["properties"]["alarms"]}) == 230


# --- determinism and layout ----------------------------------------------------------------


@pytest.mark.parametrize("factory", ALL_PROFILES)
def test_same_profile_gives_byte_identical_json(factory: Any) -> None:
    alarms = [make_alarm("x", None, "b"), make_alarm("x", None, "a")]
    first = dashboard_body_json(build_dashboard(factory(), alarms, prefix=PREFIX))
    second = dashboard_body_json(build_dashboard(factory(), list(reversed(alarms)), prefix=PREFIX))
    assert first == second
    assert json.loads(first) == build_dashboard(factory(), alarms, prefix=PREFIX)


def test_json_is_compact_and_key_sorted() -> None:
    text = dashboard_body_json({"b": 1, "a": [1, 2]})
    assert text == '{"a":[1,2],"b":1}'


@pytest.mark.parametrize("factory", ALL_PROFILES)
def test_layout_fits_the_grid_without_overlaps(factory: Any) -> None:
    alarms = [make_alarm("x", None, f"k{i}") for i in range(120)]
    widgets = build(factory(), alarms)["widgets"]
    for widget in widgets:
        assert widget["x"] >= 0
        assert widget["y"] >= 0
        assert widget["width"] > 0
        assert widget["height"] > 0
        assert widget["x"] + widget["width"] <= GRID_WIDTH
    for a, b in itertools.combinations(widgets, 2):
        apart = (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )
        assert apart, (a.get("properties", {}).get("title"), b.get("properties", {}).get("title"))


def test_header_lists_inference_components() -> None:
    profile = make_profile(
        "llm", VariantProfile("AllTraffic", "ml.g5.48xlarge", 1, inference_components=("ic-a", "ic-b"))
    )
    markdown = build(profile)["widgets"][0]["properties"]["markdown"]
    assert "inference-components" in markdown
    assert "ic-a, ic-b" in markdown


def test_alarm_arns_follow_the_endpoint_partition() -> None:
    profile = EndpointProfile(
        name="cn",
        arn=f"arn:aws-cn:sagemaker:cn-north-1:{ACCOUNT}:endpoint/cn",
        region="cn-north-1",
        status="InService",
        config_name="cn-config",
        variants=(VariantProfile("AllTraffic", "ml.m5.xlarge", 1),),
    )
    [widget] = [w for w in build(profile, [make_alarm("cn", None, "k")])["widgets"] if w["type"] == "alarm"]
    assert widget["properties"]["alarms"] == [
        f"arn:aws-cn:cloudwatch:cn-north-1:{ACCOUNT}:alarm:SageWatch/cn/_endpoint/k"
    ]


def _series(widget: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every metric entry of a widget (expressions left out)."""
    out = []
    for entry in widget["properties"]["metrics"]:
        if isinstance(entry, list):
            dims = dict(zip(entry[2:-1:2], entry[3:-1:2], strict=True))
            out.append((entry[0], entry[1], dims))
    return out


def test_each_inference_component_gets_its_own_widgets_by_component_name_alone() -> None:
    profile = make_profile(
        "llm", VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, inference_components=("ic-a", "ic-b"))
    )
    widgets = [w for w in build(profile)["widgets"] if w["type"] == "metric"]
    by_component: dict[str, set[str]] = {}
    for widget in widgets:
        for namespace, metric, dims in _series(widget):
            if "InferenceComponentName" in dims:
                assert set(dims) == {"InferenceComponentName"}  # never with EndpointName/VariantName
                by_component.setdefault(dims["InferenceComponentName"], set()).add(f"{namespace}:{metric}")
    expected = {
        "AWS/SageMaker:Invocations",
        "AWS/SageMaker:Invocation4XXErrors",
        "AWS/SageMaker:Invocation5XXErrors",
        "AWS/SageMaker:ModelLatency",
        "AWS/SageMaker:InvocationsPerCopy",
        "AWS/SageMaker:ConcurrentRequestsPerCopy",
        "/aws/sagemaker/InferenceComponents:CPUUtilizationNormalized",
        "/aws/sagemaker/InferenceComponents:MemoryUtilizationNormalized",
        "/aws/sagemaker/InferenceComponents:GPUUtilizationNormalized",
        "/aws/sagemaker/InferenceComponents:GPUMemoryUtilizationNormalized",
    }
    assert by_component == {"ic-a": expected, "ic-b": expected}
    titles = [w["properties"]["title"] for w in widgets]
    assert "ic-a: ModelLatency (ms)" in titles and "ic-b: Load per copy" in titles


@pytest.mark.parametrize(
    "variant",
    [
        VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, inference_components=("ic-a",)),
        # A host with no component yet (or none any more), known from its config.
        VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, hosts_components=True),
    ],
)
def test_a_variant_hosting_components_draws_no_request_widgets_of_its_own(variant: VariantProfile) -> None:
    # Such endpoints publish no invocation metrics per variant: those widgets would stay empty.
    profile = make_profile("llm", variant)
    for widget in build(profile)["widgets"]:
        if widget["type"] != "metric":
            continue
        for namespace, _metric, dims in _series(widget):
            if "VariantName" in dims:
                assert namespace == INSTANCE_NAMESPACE


def test_component_widgets_fit_the_grid() -> None:
    profile = make_profile(
        "llm", VariantProfile("AllTraffic", "ml.g5.12xlarge", 1, inference_components=("a", "b", "c"))
    )
    widgets = build(profile)["widgets"]
    assert all(w["x"] + w["width"] <= GRID_WIDTH for w in widgets)
    for a, b in itertools.combinations(widgets, 2):
        assert a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"] or a["x"] != b["x"]
