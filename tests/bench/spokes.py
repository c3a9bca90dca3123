"""A fleet across accounts: one hub, N spoke accounts x M endpoints, in the emulated world.

``run_spoke_fleet_bench(spokes=10, endpoints=100)`` (``make bench``, tests/bench/run.py) reports
counts and ratios, never a timing of this machine:

1. **Backfill**: the first reconcile plans every spoke's endpoints, OnboardFunction works
   OnboardQueue (``BatchSize: 1``, pacing off: the emulator does not wait), and every AWS call is
   attributed to the account and region it was made in (the credentials' account: a spoke role's
   session acts in the spoke). From the CloudWatch writes per place, the wall time at the real
   rates is *projected*:

   - ``parallel`` — OnboardQueue is FIFO, each place has ``WORK_LANES`` message groups and Lambda
     runs min(groups, MaximumConcurrency) workers ("Configuring scaling behavior for SQS event
     source mappings"): each place takes its writes / (lanes x WorkerWriteTps), the places side by
     side, so the backfill takes the largest place's time (or, beyond MaximumConcurrency groups,
     the total lane time shared by MaximumConcurrency workers);
   - ``shared_workers`` — what the same writes took before, two workers shared by every place:
     the sum over places of writes / (2 x WorkerWriteTps);
   - ``floor`` — the per-account-region quota (PutMetricAlarm 3 TPS, PutDashboard 10 TPS, …): no
     design can write a place faster, and the places are independent, so the floor is the largest
     place's writes / quota.

   And how the queue held the work: the message groups per place, and — receiving one message at
   a time without deleting, as BatchSize 1 pollers do — how many messages can be in flight at once
   (one per group: the emulated SQS blocks a group while a message of it is in flight, as SQS does).
2. **No-op reconcile**: nothing changed; calls per account (the hub's, each spoke's), 0 writes.
3. **Alerts**: an alarm in each of the first three spokes reaches the hub's AlertQueue through the
   spoke's topic; NotifyFunction's calls for each, by account (sts.AssumeRole in the hub,
   iam.ListAccountAliases and the enrichment reads in the spoke).

``tests/integration/test_spoke_fleet.py`` runs it at 3 spokes x 5 endpoints and asserts the counts.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client

from sagewatch.core.shared.places import WORK_LANES, work_group
from sagewatch_emulator import VariantSpec, default_template_path
from sagewatch_emulator.calls import is_write
from sagewatch_emulator.cloudwatch.quotas import DEFAULT_CLOUDWATCH_QUOTAS
from sagewatch_emulator.sam.template import Template
from sagewatch_emulator.world import EmulatedWorld

SLACK_SECRET = "sagewatch/slack-webhook"
SHARED_WORKERS = 2  # before: OnboardQueue standard, MaximumConcurrency 2 for every place
PACED = ("PutMetricAlarm", "DeleteAlarms", "PutDashboard", "DeleteDashboards")  # adapters.pacing
ENRICHMENT = ("cloudwatch.", "logs.", "sagemaker.")


def worker_max_concurrency() -> int:
    """OnboardFunction's FleetWork ScalingConfig.MaximumConcurrency, as the template declares it."""
    events = Template.load(default_template_path()).properties("OnboardFunction")["Events"]
    return int(events["FleetWork"]["Properties"]["ScalingConfig"]["MaximumConcurrency"])


def worker_write_tps() -> float:
    return float(Template.load(default_template_path()).parameters["WorkerWriteTps"]["Default"])


@dataclass
class CallsByPlace:
    """Every AWS call made while recording, by the (account, region) it acted in."""

    calls: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def of_account(self, account: str) -> Counter[str]:
        total: Counter[str] = Counter()
        for (acct, _region), counted in self.calls.items():
            if acct == account:
                total.update(counted)
        return total


_ACCOUNT_OF_KEY: dict[str, str] = {}


def _account_of(client: Any) -> str:
    """The account a client's credentials act in: a role session's (moto's STS), else the key's."""
    credentials = getattr(getattr(client, "_request_signer", None), "_credentials", None)
    key = getattr(credentials, "access_key", None) if credentials is not None else None
    if not key:
        return "unknown"
    if key not in _ACCOUNT_OF_KEY:
        from sagewatch_emulator.world.enforcement import caller_of

        # arn:aws:sts::<account>:assumed-role/… or arn:aws:iam::<account>:user/moto
        _ACCOUNT_OF_KEY[key] = caller_of(key).arn.split(":")[4]
    return _ACCOUNT_OF_KEY[key]


@contextmanager
def calls_by_place() -> Iterator[CallsByPlace]:
    """Record every botocore call of this process (the in-process functions' and the emulator's)."""
    recorded = CallsByPlace()
    original = getattr(botocore.client.BaseClient, "_make_api_call")  # noqa: B009 - private method

    def recording(client: Any, operation: str, params: Any) -> Any:
        where = (_account_of(client), str(client.meta.region_name))
        recorded.calls[where][f"{client.meta.service_model.service_name}.{operation}"] += 1
        return original(client, operation, params)

    setattr(botocore.client.BaseClient, "_make_api_call", recording)  # noqa: B010 - patching a method
    try:
        yield recorded
    finally:
        setattr(botocore.client.BaseClient, "_make_api_call", original)  # noqa: B010 - restoring it


def _variants(i: int) -> list[VariantSpec]:
    kind = i % 4
    if kind == 0:
        return [VariantSpec("AllTraffic", "ml.m5.xlarge", 2)]
    if kind == 1:
        return [VariantSpec("gpu", "ml.g5.12xlarge", 2), VariantSpec("canary", "ml.g5.2xlarge", 1)]
    if kind == 2:
        return [VariantSpec("AllTraffic", serverless_memory_mb=2048)]
    return [VariantSpec("AllTraffic", "ml.c5.2xlarge", 1)]


def projection(
    writes_by_group: Mapping[str, Mapping[str, int]], *, tps: float, lanes: int, max_concurrency: int
) -> dict[str, Any]:
    """Projected backfill wall time at the real rates from the CloudWatch writes of each message
    group (``<account>/<region>#<lane>``): a group is worked by one paced worker at a time."""

    def paced(writes: Mapping[str, int], rate: float) -> float:
        # Each paced operation has its own budget (adapters.pacing): the slowest one decides.
        return max([writes.get(op, 0) / rate for op in PACED], default=0.0)

    def at_quota(writes: Mapping[str, int]) -> float:
        return max([n / DEFAULT_CLOUDWATCH_QUOTAS[op] for op, n in writes.items() if op in DEFAULT_CLOUDWATCH_QUOTAS])

    by_place: dict[str, Counter[str]] = defaultdict(Counter)
    for group, writes in writes_by_group.items():
        by_place[group.rsplit("#", 1)[0]].update(writes)
    per_group = {group: paced(w, tps) for group, w in writes_by_group.items()}
    # Every group runs at once while there are no more groups than MaximumConcurrency; beyond,
    # MaximumConcurrency workers share the total lane time. A place takes its longest lane's time.
    parallel = max([*per_group.values(), sum(per_group.values()) / max_concurrency], default=0.0)
    shared = sum(paced(w, SHARED_WORKERS * tps) for w in by_place.values())  # two workers, evenly split
    evenly = max([paced(w, lanes * tps) for w in by_place.values()], default=0.0)
    floor = max([at_quota(w) for w in by_place.values()], default=0.0)
    return {
        "worker_write_tps": tps,
        "lanes_per_place": lanes,
        "max_concurrency": max_concurrency,
        "places": len(by_place),
        "message_groups": len(per_group),
        "per_place_write_budget_tps": round(lanes * tps, 2),
        "per_place_put_metric_alarm_quota_tps": DEFAULT_CLOUDWATCH_QUOTAS["PutMetricAlarm"],
        "largest_lane_s": math.ceil(max(per_group.values(), default=0.0)),
        "largest_place_evenly_split_s": math.ceil(evenly),
        "parallel_s": math.ceil(parallel),
        "shared_workers_s": math.ceil(shared),
        "floor_s": math.ceil(floor),
        "parallel_min": round(parallel / 60, 1),
        "shared_workers_min": round(shared / 60, 1),
        "floor_min": round(floor / 60, 1),
        "shared_over_parallel": round(shared / parallel, 2) if parallel else None,
        "parallel_over_floor": round(parallel / floor, 2) if floor else None,
    }


def _writes_by_group(stacks: Sequence[Any]) -> dict[str, dict[str, int]]:
    """Each message group's CloudWatch writes in a fresh backfill: one PutMetricAlarm per alarm of its
    endpoints and one PutDashboard per endpoint (checked against the calls recorded)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for spoke in stacks:
        cloudwatch = spoke.client("cloudwatch")
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix="SageWatch/"):
            for alarm in page["MetricAlarms"]:
                endpoint = alarm["AlarmName"].split("/")[1]
                out[work_group(spoke.account_id, spoke.region, endpoint)]["PutMetricAlarm"] += 1
        for page in spoke.client("sagemaker").get_paginator("list_endpoints").paginate():
            for endpoint in page["Endpoints"]:
                out[work_group(spoke.account_id, spoke.region, endpoint["EndpointName"])]["PutDashboard"] += 1
    return {group: dict(counted) for group, counted in sorted(out.items())}


def _in_flight_at_once(world: EmulatedWorld) -> dict[str, Any]:
    """Receive one message at a time without deleting (BatchSize-1 pollers holding their message)
    until SQS hands out no more; then make them all visible again. Returns what was held and the
    groups in the queue."""
    sqs = world.hub.client("sqs")
    url = world.hub.physical_id("OnboardQueue")
    held: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300, AttributeNames=["MessageGroupId"]
        ).get("Messages", [])
        if not got:
            break
        held.extend(got)
    for message in held:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    groups = Counter(m["Attributes"]["MessageGroupId"] for m in held)
    expected = {
        work_group(body.get("account"), body.get("region"), body["endpoint"])
        for body in (json.loads(m["Body"]) for m in held)
    }
    return {
        "in_flight_at_once": len(held),
        "distinct_groups_in_flight": len(groups),
        "most_in_flight_of_one_group": max(groups.values(), default=0),
        "groups_as_planned": set(groups) == expected,
    }


def _reconcile(world: EmulatedWorld) -> list[Any]:
    """One reconcile, with its continuations (run in line: the emulator does not self-invoke)."""
    event: dict[str, Any] = {"sagewatch": "reconcile"}
    invocations = []
    for _ in range(50):
        result = world.invoke("ReconcileFunction", event, environment={"SAGEWATCH_RECONCILE_SELF_INVOKE": "false"})
        if result.error:
            raise RuntimeError(result.error)
        invocations.append(result)
        spokes = result.response.get("spokes") or {}
        if spokes.get("continuing"):
            # A spoke's continuation is only ever sent by self-invocation: not expected at this size.
            raise RuntimeError(f"the reconcile did not cover every spoke at once: {spokes}")
        if result.response.get("outcome") != "continuing":
            return invocations
        event = dict(result.response["continuation"])
    raise RuntimeError("the reconcile did not complete in 50 continuations")


def _enqueued(invocations: Sequence[Any]) -> int:
    """Messages the reconcile sent: the hub's own place and every spoke's."""
    return sum(
        int(r.response.get("enqueued", 0)) + int((r.response.get("spokes") or {}).get("enqueued", 0))
        for r in invocations
    )


def _place(account: str, region: str) -> str:
    return f"{account}/{region}"


def run_spoke_fleet_bench(
    spokes: int = 10, endpoints: int = 100, *, regions: Sequence[str] = ("eu-west-1",), alert_accounts: int = 3
) -> dict[str, Any]:
    started = time.perf_counter()
    tps, lanes, concurrency = worker_write_tps(), WORK_LANES, worker_max_concurrency()
    report: dict[str, Any] = {"spokes": spokes, "endpoints_per_spoke": endpoints, "regions": list(regions)}
    with EmulatedWorld(hub_parameters={"SlackWebhookSecretName": SLACK_SECRET}, spoke_regions=list(regions)) as world:
        world.hub.client("secretsmanager").create_secret(Name=SLACK_SECRET, SecretString=world.hub.slack_url)
        stacks = []
        for n in range(spokes):
            spoke = world.add_spoke(world.create_account(f"team-{n:02d}"), regions[n % len(regions)])
            for i in range(endpoints):
                spoke.create_endpoint(f"ep-{i:03d}", variants=_variants(i))
            stacks.append(spoke)
        places = {_place(s.account_id, s.region) for s in stacks}
        hub = world.hub.account_id

        # 1. backfill
        with calls_by_place() as planning:
            first = _reconcile(world)
        queue = _in_flight_at_once(world)
        with calls_by_place() as working:
            drained = world.drain(
                "OnboardQueue",
                "OnboardFunction",
                batch_size=1,
                max_rounds=100 * spokes * endpoints,
                max_seconds=1800,
                environment={"SAGEWATCH_CLOUDWATCH_WRITE_TPS": "0"},
            )
        writes_by_place = {
            _place(acct, region): {
                op.split(".", 1)[1]: n for op, n in counted.items() if op.startswith("cloudwatch.") and is_write(op)
            }
            for (acct, region), counted in working.calls.items()
            if _place(acct, region) in places
        }
        hub_writes = working.of_account(hub)
        by_group = _writes_by_group(stacks)
        summed: dict[str, Counter[str]] = defaultdict(Counter)
        for group, writes in by_group.items():
            summed[group.rsplit("#", 1)[0]].update(writes)
        report["backfill"] = {
            "enqueued": _enqueued(first),
            "reconcile_invocations": len(first),
            "reconcile_calls_hub": sum(planning.of_account(hub).values()),
            "worker_invocations": len(drained),
            "worker_errors": sum(1 for i in drained if i.error),
            "writes_by_place": dict(sorted(writes_by_place.items())),
            "writes_in_hub": sum(n for op, n in hub_writes.items() if op.startswith("cloudwatch.") and is_write(op)),
            "queue": queue,
            "writes_by_group": by_group,
            "groups_account_for_every_write": {p: dict(w) for p, w in summed.items()} == writes_by_place,
            "projection": projection(by_group, tps=tps, lanes=lanes, max_concurrency=concurrency),
        }

        # 2. no-op reconcile
        with calls_by_place() as noop_calls:
            noop = _reconcile(world)
        per_spoke = {
            _place(s.account_id, s.region): sum(noop_calls.calls[(s.account_id, s.region)].values()) for s in stacks
        }
        per_spoke_ops = Counter[str]()
        for s in stacks:
            per_spoke_ops.update(noop_calls.calls[(s.account_id, s.region)])
        all_writes = {
            f"{acct}/{region}": {op: n for op, n in counted.items() if is_write(op)}
            for (acct, region), counted in noop_calls.calls.items()
        }
        report["noop_reconcile"] = {
            "enqueued": _enqueued(noop),
            "writes": sum(sum(w.values()) for w in all_writes.values()),
            "writes_by_place": {p: w for p, w in all_writes.items() if w},
            "calls_in_hub": dict(sorted(noop_calls.of_account(hub).items())),
            "calls_per_spoke": {"min": min(per_spoke.values()), "max": max(per_spoke.values())},
            "calls_per_spoke_by_operation": {op: n / len(stacks) for op, n in sorted(per_spoke_ops.items())},
            "calls_total": sum(sum(c.values()) for c in noop_calls.calls.values()),
        }

        # 3. one alert from each of the first spokes
        alerts = []
        for spoke in stacks[:alert_accounts]:
            cloudwatch = spoke.client("cloudwatch")
            alarm = cloudwatch.describe_alarms(AlarmNamePrefix="SageWatch/ep-000/", MaxRecords=1)["MetricAlarms"][0]
            before = len(world.hub.slack_messages)
            with calls_by_place() as alerting:
                spoke.set_alarm_state(alarm["AlarmName"], "ALARM")
                invocations = world.drain_alerts()
            function_calls: Counter[str] = Counter()
            for invocation in invocations:
                function_calls.update(invocation.aws_calls)
            in_spoke = alerting.calls[(spoke.account_id, spoke.region)]
            slack = [json.dumps(m) for m in world.hub.slack_messages[before:]]
            alerts.append(
                {
                    "place": _place(spoke.account_id, spoke.region),
                    "alarm": alarm["AlarmName"],
                    "invocations": len(invocations),
                    "errors": [i.error for i in invocations if i.error],
                    "function_calls": dict(sorted(function_calls.items())),
                    "assume_role": function_calls.get("sts.AssumeRole", 0),
                    "list_account_aliases": function_calls.get("iam.ListAccountAliases", 0),
                    "enrichment_calls_in_spoke": sum(n for op, n in in_spoke.items() if op.startswith(ENRICHMENT)),
                    "enrichment_by_operation": {
                        op: n for op, n in sorted(in_spoke.items()) if op.startswith(ENRICHMENT)
                    },
                    "slack_messages": len(slack),
                    "slack_names_account_and_region": all(spoke.account_id in t and spoke.region in t for t in slack),
                }
            )
        report["alerts"] = alerts
        report["refusals"] = len(world.refusals)
    report["emulated_s"] = round(time.perf_counter() - started, 1)
    return report


def markdown(report: Mapping[str, Any]) -> list[str]:
    """The report's section for build/bench/report.md."""
    backfill, projected = report["backfill"], report["backfill"]["projection"]
    noop = report["noop_reconcile"]
    writes = backfill["writes_by_place"]
    puts = [w.get("PutMetricAlarm", 0) for w in writes.values()]
    lines = [
        f"## Fleet across accounts ({report['spokes']} spokes x {report['endpoints_per_spoke']} endpoints)",
        "",
        f"Backfill: {backfill['enqueued']} messages, {backfill['worker_invocations']} worker invocations "
        f"({backfill['worker_errors']} errors), {sum(puts)} PutMetricAlarm in the spokes "
        f"({min(puts, default=0)}-{max(puts, default=0)} per place), "
        f"{backfill['writes_in_hub']} CloudWatch writes in the hub. "
        f"OnboardQueue held {projected['message_groups']} message groups; {backfill['queue']['in_flight_at_once']} "
        f"messages could be in flight at once (at most {backfill['queue']['most_in_flight_of_one_group']} per group).",
        "",
        "| projected wall time at the real rates | minutes |",
        "|---|---|",
        f"| places side by side ({projected['lanes_per_place']} lanes x {projected['worker_write_tps']} TPS per place, "
        f"MaximumConcurrency {projected['max_concurrency']}; the longest lane) | **{projected['parallel_min']}** |",
        f"| before: {SHARED_WORKERS} workers shared by every place | {projected['shared_workers_min']} |",
        f"| floor: the largest place at its account-region quota | {projected['floor_min']} |",
        "",
        f"Ratios: shared / side by side = {projected['shared_over_parallel']}, side by side / floor = "
        f"{projected['parallel_over_floor']} (each place's budget {projected['per_place_write_budget_tps']} TPS "
        f"against PutMetricAlarm's {projected['per_place_put_metric_alarm_quota_tps']}).",
        "",
        f"No-op reconcile: {noop['writes']} writes, {noop['enqueued']} enqueued; calls per spoke "
        f"{noop['calls_per_spoke']['min']}-{noop['calls_per_spoke']['max']} "
        f"({', '.join(f'{op} {n:g}' for op, n in noop['calls_per_spoke_by_operation'].items())}); "
        f"in the hub {sum(noop['calls_in_hub'].values())} "
        f"({', '.join(f'{op} {n}' for op, n in noop['calls_in_hub'].items())}).",
        "",
        "| alert from | AssumeRole | ListAccountAliases | enrichment calls in the spoke "
        "| Slack names account and region | calls |",
        "|---|---|---|---|---|---|",
    ]
    for alert in report["alerts"]:
        calls = ", ".join(f"{op} {n}" for op, n in alert["function_calls"].items())
        lines.append(
            f"| {alert['place']} | {alert['assume_role']} | {alert['list_account_aliases']} | "
            f"{alert['enrichment_calls_in_spoke']} | {alert['slack_names_account_and_region']} | {calls} |"
        )
    return lines


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spokes", type=int, default=10)
    parser.add_argument("--endpoints", type=int, default=100)
    args = parser.parse_args()
    result = run_spoke_fleet_bench(args.spokes, args.endpoints)
    print(json.dumps(result, indent=2, default=str))
    print("\n".join(markdown(result)))
