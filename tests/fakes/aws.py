"""SageMaker and CloudWatch clients in memory: botocore's method names, request and answer shapes.

What they hold is what the use cases rely on, each rule with the page it comes from; everything
else is left out (a method that is not here raises AttributeError, so a use case that starts
calling something new fails loudly instead of passing on a fake).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "us-east-1"


def aws_error(operation: str, code: str, message: str, status: int = 400) -> ClientError:
    """What botocore raises for an error answer (its code, message and HTTP status)."""
    response: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, operation)


class Faults:
    """Answers to give instead of the real one: ``throttle("PutMetricAlarm", times=3)``."""

    def __init__(self) -> None:
        self._pending: dict[str, list[ClientError]] = {}
        self.triggered: Counter[str] = Counter()

    def throttle(self, operation: str, times: int = 1) -> None:
        # CloudWatch answers a call over its TPS quota with HTTP 400 "Throttling: Rate exceeded"
        # (CloudWatch API Reference, "Common Errors": Throttling; "CloudWatch service quotas").
        self.fail(operation, "Throttling", "Rate exceeded", times=times)

    def fail(self, operation: str, code: str, message: str, *, status: int = 400, times: int = 1) -> None:
        self._pending.setdefault(operation, []).extend(
            aws_error(operation, code, message, status) for _ in range(times)
        )

    def check(self, operation: str) -> None:
        pending = self._pending.get(operation)
        if pending:
            self.triggered[operation] += 1
            raise pending.pop(0)


def _page(operation: str, items: Sequence[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    """One page of ``items`` after ``token``; the next token, or None on the last page.

    A token is opaque to the caller and only valid for the listing it came from: anything else
    is InvalidNextToken (e.g. CloudWatch API Reference, "DescribeAlarms": NextToken; SageMaker
    API Reference, "ListTags": NextToken)."""
    start = 0
    if token is not None:
        if not token.startswith(f"{operation}:"):
            raise aws_error(operation, "InvalidNextToken", "The token is not valid")
        start = int(token.split(":", 1)[1])
    end = start + size
    return list(items[start:end]), (f"{operation}:{end}" if end < len(items) else None)


def _max_results(operation: str, value: Any, limit: int) -> int:
    if value is None:
        return limit
    if not 1 <= int(value) <= limit:
        raise aws_error(operation, "ValidationError", f"MaxRecords must be between 1 and {limit}")
    return int(value)


# -- SageMaker ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeVariant:
    name: str = "AllTraffic"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1


@dataclass
class FakeEndpoint:
    name: str
    variants: tuple[FakeVariant, ...] = (FakeVariant(),)
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "InService"

    @property
    def arn(self) -> str:
        return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{self.name}"


class FakeSageMaker:
    """DescribeEndpoint, DescribeEndpointConfig, ListTags (paged), ListInferenceComponents and
    ListMonitoringSchedules, over endpoints of instance-backed variants (each config variant
    names its model, so no ListInferenceComponents is needed)."""

    def __init__(self, endpoints: Iterable[FakeEndpoint] = (), *, page_size: int = 100) -> None:
        self.endpoints = {e.name: e for e in endpoints}
        self.page_size = page_size
        self.faults = Faults()
        self.calls: Counter[str] = Counter()

    def _called(self, operation: str) -> None:
        self.calls[operation] += 1
        self.faults.check(operation)

    def _endpoint(self, operation: str, name: str) -> FakeEndpoint:
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            # SageMaker answers a missing endpoint with ValidationException "Could not find
            # endpoint ..." (SageMaker API Reference, "DescribeEndpoint": Errors; seen in practice).
            raise aws_error(operation, "ValidationException", f'Could not find endpoint "{name}".')
        return endpoint

    def describe_endpoint(self, *, EndpointName: str) -> dict[str, Any]:  # noqa: N803 - botocore's names
        self._called("DescribeEndpoint")
        e = self._endpoint("DescribeEndpoint", EndpointName)
        return {
            "EndpointName": e.name,
            "EndpointArn": e.arn,
            "EndpointConfigName": f"{e.name}-config",
            "EndpointStatus": e.status,
            "ProductionVariants": [
                {"VariantName": v.name, "CurrentInstanceCount": v.instance_count} for v in e.variants
            ],
        }

    def describe_endpoint_config(self, *, EndpointConfigName: str) -> dict[str, Any]:  # noqa: N803
        self._called("DescribeEndpointConfig")
        e = self._endpoint("DescribeEndpointConfig", EndpointConfigName.removesuffix("-config"))
        return {
            "EndpointConfigName": EndpointConfigName,
            "ProductionVariants": [
                {
                    "VariantName": v.name,
                    "ModelName": f"{e.name}-{v.name}-model",
                    "InstanceType": v.instance_type,
                    "InitialInstanceCount": v.instance_count,
                }
                for v in e.variants
            ],
        }

    def list_tags(self, *, ResourceArn: str, MaxResults: int | None = None, NextToken: str | None = None) -> Any:  # noqa: N803
        self._called("ListTags")
        endpoint = next((e for e in self.endpoints.values() if e.arn == ResourceArn), None)
        if endpoint is None:
            raise aws_error("ListTags", "ValidationException", f"Could not find resource {ResourceArn}")
        tags = [{"Key": k, "Value": v} for k, v in sorted(endpoint.tags.items())]
        size = min(self.page_size, _max_results("ListTags", MaxResults, 100))
        page, token = _page("ListTags", tags, NextToken, size)
        return {"Tags": page, **({"NextToken": token} if token else {})}

    def list_endpoints(self, *, MaxResults: int | None = None, NextToken: str | None = None, **_: Any) -> Any:  # noqa: N803
        self._called("ListEndpoints")
        summaries = [
            {
                "EndpointName": e.name,
                "EndpointArn": e.arn,
                "EndpointStatus": e.status,
                "LastModifiedTime": datetime(2026, 11, 1, tzinfo=UTC),
            }
            for e in sorted(self.endpoints.values(), key=lambda e: e.name)
        ]
        size = min(self.page_size, _max_results("ListEndpoints", MaxResults, 100))
        page, token = _page("ListEndpoints", summaries, NextToken, size)
        return {"Endpoints": page, **({"NextToken": token} if token else {})}

    def list_inference_components(self, **_: Any) -> dict[str, Any]:
        self._called("ListInferenceComponents")
        return {"InferenceComponents": []}

    def list_monitoring_schedules(self, **_: Any) -> dict[str, Any]:
        self._called("ListMonitoringSchedules")
        return {"MonitoringScheduleSummaries": []}


# -- CloudWatch --------------------------------------------------------------------------------

_COMPARISONS = {
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
}


def check_put_metric_alarm(request: dict[str, Any]) -> None:
    """The request rules of PutMetricAlarm (CloudWatch API Reference, "PutMetricAlarm")."""

    def invalid(message: str) -> ClientError:
        return aws_error("PutMetricAlarm", "ValidationError", message)

    name = request.get("AlarmName")
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise invalid("AlarmName is required, 1 to 255 characters")
    evaluation_periods = request.get("EvaluationPeriods")
    if not isinstance(evaluation_periods, int) or evaluation_periods < 1:
        raise invalid("EvaluationPeriods is required, at least 1")
    if request.get("ComparisonOperator") not in _COMPARISONS:
        raise invalid(f"ComparisonOperator {request.get('ComparisonOperator')!r} is not valid")
    if int(request.get("DatapointsToAlarm", evaluation_periods)) > evaluation_periods:
        raise invalid("DatapointsToAlarm must not exceed EvaluationPeriods")
    # "you must specify either MetricName or a Metrics array"; not both.
    single, metrics = "MetricName" in request, "Metrics" in request
    if single == metrics:
        raise invalid("Specify either MetricName (with Namespace) or Metrics, not both")
    if single:
        if "Namespace" not in request or "Period" not in request:
            raise invalid("A metric alarm needs Namespace and Period with MetricName")
        if ("Statistic" in request) == ("ExtendedStatistic" in request):
            raise invalid("Specify exactly one of Statistic or ExtendedStatistic")
        period = int(request["Period"])
        # "Valid values are 10, 20, 30, and any multiple of 60."
        if period not in (10, 20, 30) and period % 60:
            raise invalid(f"Period {period} is not 10, 20, 30 or a multiple of 60")
        if len(request.get("Dimensions", [])) > 30:
            raise invalid("At most 30 dimensions")
    else:
        queries = request["Metrics"]
        if not 1 <= len(queries) <= 20 or sum(1 for q in queries if q.get("ReturnData", True)) != 1:
            raise invalid("Metrics holds 1 to 20 queries, exactly one with ReturnData true")
    if "Threshold" not in request and "ThresholdMetricId" not in request:
        raise invalid("Threshold (or ThresholdMetricId for an anomaly band) is required")


class FakeCloudWatch:
    """PutMetricAlarm (validated), DescribeAlarms by prefix (paged), DeleteAlarms (100 per call),
    the dashboard calls, and GetMetricData answering every query with no datapoints."""

    def __init__(self, *, page_size: int = 100) -> None:
        self.alarms: dict[str, dict[str, Any]] = {}
        self.dashboards: dict[str, str] = {}
        self.page_size = page_size
        self.faults = Faults()
        self.calls: Counter[str] = Counter()

    def _called(self, operation: str) -> None:
        self.calls[operation] += 1
        self.faults.check(operation)

    def put_metric_alarm(self, **request: Any) -> dict[str, Any]:
        self._called("PutMetricAlarm")
        check_put_metric_alarm(request)
        # An upsert: "When this operation creates an alarm ... If you are an IAM user ... When you
        # update an existing alarm, its state is left unchanged" - the whole definition is replaced.
        self.alarms[request["AlarmName"]] = copy.deepcopy(request)
        return {}

    @property
    def writes(self) -> int:
        """Write calls so far (what an unchanged endpoint must not make)."""
        return sum(self.calls[op] for op in ("PutMetricAlarm", "DeleteAlarms", "PutDashboard", "DeleteDashboards"))

    def describe_alarms(
        self,
        *,
        AlarmNamePrefix: str = "",  # noqa: N803 - botocore's names
        AlarmNames: Sequence[str] = (),  # noqa: N803
        MaxRecords: int | None = None,  # noqa: N803
        NextToken: str | None = None,  # noqa: N803
        **_: Any,
    ) -> dict[str, Any]:
        self._called("DescribeAlarms")
        names = sorted(n for n in self.alarms if n.startswith(AlarmNamePrefix) and (not AlarmNames or n in AlarmNames))
        size = min(self.page_size, _max_results("DescribeAlarms", MaxRecords, 100))
        page, token = _page("DescribeAlarms", names, NextToken, size)
        described = [self._described(n) for n in page]
        return {"MetricAlarms": described, "CompositeAlarms": [], **({"NextToken": token} if token else {})}

    def _described(self, name: str) -> dict[str, Any]:
        """An alarm as DescribeAlarms answers it: what was put, with its ARN, state and the defaults
        of what was left out (CloudWatch API Reference, "MetricAlarm": ActionsEnabled defaults to
        true, the action lists to empty)."""
        alarm = copy.deepcopy(self.alarms[name])
        alarm.pop("Tags", None)  # tags are ListTagsForResource's, not DescribeAlarms'
        return {
            "ActionsEnabled": True,
            "OKActions": [],
            "AlarmActions": [],
            "InsufficientDataActions": [],
            **alarm,
            "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}",
            "StateValue": "INSUFFICIENT_DATA",
        }

    def delete_alarms(self, *, AlarmNames: Sequence[str]) -> dict[str, Any]:  # noqa: N803
        self._called("DeleteAlarms")
        if len(AlarmNames) > 100:  # "AlarmNames: ... Maximum number of 100 items."
            raise aws_error("DeleteAlarms", "ValidationError", "At most 100 alarm names per call")
        for name in AlarmNames:
            self.alarms.pop(name, None)
        return {}

    def get_dashboard(self, *, DashboardName: str) -> dict[str, Any]:  # noqa: N803
        self._called("GetDashboard")
        if DashboardName not in self.dashboards:
            # CloudWatch API Reference, "GetDashboard": ResourceNotFound (HTTP 404).
            raise aws_error("GetDashboard", "ResourceNotFound", "Dashboard does not exist", 404)
        return {"DashboardName": DashboardName, "DashboardBody": self.dashboards[DashboardName]}

    def put_dashboard(self, *, DashboardName: str, DashboardBody: str) -> dict[str, Any]:  # noqa: N803
        self._called("PutDashboard")
        json.loads(DashboardBody)  # the body is a JSON document ("Dashboard Body Structure and Syntax")
        self.dashboards[DashboardName] = DashboardBody
        return {"DashboardValidationMessages": []}

    def delete_dashboards(self, *, DashboardNames: Sequence[str]) -> dict[str, Any]:  # noqa: N803
        self._called("DeleteDashboards")
        missing = [n for n in DashboardNames if n not in self.dashboards]
        if missing:  # "DeleteDashboards": ResourceNotFound when a named dashboard does not exist
            raise aws_error("DeleteDashboards", "ResourceNotFound", f"Dashboard {missing[0]} does not exist", 404)
        for name in DashboardNames:
            del self.dashboards[name]
        return {}

    def list_dashboards(self, *, DashboardNamePrefix: str = "", NextToken: str | None = None) -> Any:  # noqa: N803
        self._called("ListDashboards")
        names = sorted(n for n in self.dashboards if n.startswith(DashboardNamePrefix))
        page, token = _page("ListDashboards", [{"DashboardName": n} for n in names], NextToken, self.page_size)
        return {"DashboardEntries": page, **({"NextToken": token} if token else {})}

    def get_metric_data(self, *, MetricDataQueries: Sequence[dict[str, Any]], **_: Any) -> dict[str, Any]:  # noqa: N803
        self._called("GetMetricData")
        if len(MetricDataQueries) > 500:  # "GetMetricData": at most 500 queries per call
            raise aws_error("GetMetricData", "ValidationError", "At most 500 MetricDataQueries")
        return {
            "MetricDataResults": [
                {"Id": q["Id"], "Timestamps": [], "Values": [], "StatusCode": "Complete"} for q in MetricDataQueries
            ],
            "Messages": [],
        }


# -- DynamoDB and SQS --------------------------------------------------------------------------


class FakeDynamoDB:
    """One table keyed by a single string attribute: GetItem, PutItem, DeleteItem, and Scan in
    pages that end with LastEvaluatedKey (DynamoDB API Reference, "Scan": a page stops at 1 MB
    or ``Limit``; "If LastEvaluatedKey is present in the response, you need to paginate")."""

    def __init__(self, table: str, key: str, *, page_size: int = 100) -> None:
        self.table, self.key, self.page_size = table, key, page_size
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()

    def _check(self, operation: str, table: str) -> None:
        self.calls[operation] += 1
        if table != self.table:
            raise aws_error(operation, "ResourceNotFoundException", "Requested resource not found")

    def _key_of(self, operation: str, key: dict[str, Any]) -> str:
        if set(key) != {self.key} or "S" not in key[self.key]:
            # "The provided key element does not match the schema" (ValidationException).
            raise aws_error(operation, "ValidationException", "The provided key element does not match the schema")
        return str(key[self.key]["S"])

    def get_item(self, *, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:  # noqa: N803
        self._check("GetItem", TableName)
        item = self.items.get(self._key_of("GetItem", Key))
        return {"Item": copy.deepcopy(item)} if item is not None else {}

    def put_item(self, *, TableName: str, Item: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self._check("PutItem", TableName)
        self.items[self._key_of("PutItem", {self.key: Item.get(self.key, {})})] = copy.deepcopy(Item)
        return {}

    def delete_item(self, *, TableName: str, Key: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self._check("DeleteItem", TableName)
        self.items.pop(self._key_of("DeleteItem", Key), None)  # deleting a missing item is not an error
        return {}

    def scan(self, *, TableName: str, ExclusiveStartKey: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: N803
        self._check("Scan", TableName)
        keys = sorted(self.items)
        start = 0 if ExclusiveStartKey is None else keys.index(self._key_of("Scan", ExclusiveStartKey)) + 1
        page = keys[start : start + self.page_size]
        more = start + self.page_size < len(keys)
        answer: dict[str, Any] = {"Items": [copy.deepcopy(self.items[k]) for k in page], "Count": len(page)}
        if more:
            answer["LastEvaluatedKey"] = {self.key: {"S": page[-1]}}
        return answer


class FakeSqs:
    """SendMessageBatch with SQS's rules (SQS API Reference, "SendMessageBatch": at most 10
    entries, TooManyEntriesInBatchRequest; Ids distinct, BatchEntryIdsNotDistinct; an empty
    batch, EmptyBatchRequest). Sent bodies are kept, in order."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sent: list[str] = []
        self.calls: Counter[str] = Counter()

    def send_message_batch(self, *, QueueUrl: str, Entries: Sequence[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls["SendMessageBatch"] += 1
        if QueueUrl != self.url:
            raise aws_error("SendMessageBatch", "AWS.SimpleQueueService.NonExistentQueue", "The queue does not exist")
        if not Entries:
            raise aws_error("SendMessageBatch", "AWS.SimpleQueueService.EmptyBatchRequest", "No entries")
        if len(Entries) > 10:
            raise aws_error("SendMessageBatch", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "At most 10")
        if len({e["Id"] for e in Entries}) != len(Entries):
            raise aws_error("SendMessageBatch", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Ids repeat")
        self.sent += [str(e["MessageBody"]) for e in Entries]
        return {"Successful": [{"Id": e["Id"], "MessageId": f"m-{len(self.sent)}-{e['Id']}"} for e in Entries]}

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.sent]


class Clients:
    """A client factory for ``Wiring``: the fakes by service name, and which were built."""

    def __init__(self, **clients: Any) -> None:
        self._clients = clients
        self.built: list[str] = []

    def __call__(self, service: str) -> Any:
        self.built.append(service)
        return self._clients[service]


# -- STS -----------------------------------------------------------------------------------------


class FakeSts:
    """AssumeRole as STS answers it: a role that exists and trusts the caller with this external ID
    gives credentials valid ``DurationSeconds`` ("AssumeRole", AWS STS API Reference: Credentials with
    Expiration); any other answers AccessDenied ("User: ... is not authorized to perform:
    sts:AssumeRole on resource: ..."), which never repeats the external ID."""

    def __init__(self, roles: dict[str, str], *, now: Any = None) -> None:
        self.roles = roles  # role ARN → the external ID its trust policy requires
        self.now = now or (lambda: 1_700_000_000.0)
        self.calls: list[dict[str, Any]] = []

    def assume_role(self, **request: Any) -> dict[str, Any]:
        from datetime import UTC, datetime

        self.calls.append(request)
        arn = request["RoleArn"]
        if self.roles.get(arn) != request.get("ExternalId"):
            raise aws_error(
                "AssumeRole",
                "AccessDenied",
                f"User: arn:aws:sts::111111111111:assumed-role/hub/x is not authorized to perform: "
                f"sts:AssumeRole on resource: {arn}",
                403,
            )
        expires = datetime.fromtimestamp(self.now() + request.get("DurationSeconds", 3600), tz=UTC)
        n = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIA{n:016d}",
                "SecretAccessKey": f"secret-{n}",
                "SessionToken": f"token-{n}",
                "Expiration": expires,
            }
        }
