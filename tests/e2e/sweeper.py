"""Reading what a run left in an account, and removing it: the boto3 side of :mod:`tests.e2e.cleanup`.

Both drivers use it — against moto for the emulated account, against AWS for a real one — so
the teardown that matters on a real account runs, for real, on every ``make test``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from tests.e2e.cleanup import Action, Inventory, Step, Sweep, TaggedResource, plan
from tests.e2e.driver import Monitoring
from tests.e2e.naming import TAG_KEY, RunNames
from tests.e2e.waits import REAL_CLOCK, Clock, WaitTimeoutError, wait_for

ClientFactory = Callable[[str], Any]

# Bounds of the waits a sweep makes (seconds). Deleting a serverless endpoint takes a minute or
# two; a stack with a KMS key, a DynamoDB table and Lambda functions several minutes.
ENDPOINT_GONE_TIMEOUT = 900.0
STACK_GONE_TIMEOUT = 1800.0
POLL_INTERVAL = 15.0
FIXTURES_BUCKET_RESOURCE = "ModelBucket"  # logical id in tests/e2e/fixtures.yaml


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# Each service's "no such resource" error code (its API reference); SageMaker and CloudFormation
# answer a validation error instead, told apart by its message.
_NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFound",
        "ResourceNotFoundException",  # Lambda, DynamoDB, EventBridge, CloudWatch Logs, Secrets Manager
        "NotFoundException",  # API Gateway, KMS
        "NotFound",  # SNS GetTopicAttributes; S3 HeadBucket (404)
        "404",
        "NoSuchBucket",
        "NoSuchEntity",  # IAM
        "ParameterNotFound",  # SSM
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)


def _not_found(error: ClientError) -> bool:
    """Whether an error says the resource does not exist (SageMaker: ValidationException "Could not find …";
    CloudFormation: ValidationError "… does not exist")."""
    code = _error_code(error)
    message = str(error.response.get("Error", {}).get("Message", ""))
    return code in _NOT_FOUND_CODES or (
        code in ("ValidationException", "ValidationError")
        and ("Could not find" in message or "does not exist" in message)
    )


def _exists(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        if _not_found(error):
            return False
        raise
    return True


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key) or []


def stack_status(client: ClientFactory, name: str) -> str | None:
    """A stack's status, or None when it does not exist (or is DELETE_COMPLETE)."""
    try:
        stacks = client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if _not_found(error):
            return None
        raise
    status = str(stacks[0]["StackStatus"]) if stacks else None
    return None if status in (None, "DELETE_COMPLETE") else status


def fixtures_bucket(client: ClientFactory, names: RunNames) -> str | None:
    """The fixtures stack's bucket, while the stack exists."""
    try:
        resource = client("cloudformation").describe_stack_resource(
            StackName=names.fixtures_stack, LogicalResourceId=FIXTURES_BUCKET_RESOURCE
        )
    except ClientError as error:
        if _not_found(error):
            return None
        raise
    return str(resource["StackResourceDetail"].get("PhysicalResourceId") or "") or None


def _tagged(client: ClientFactory, names: RunNames) -> tuple[TaggedResource, ...]:
    tagging = client("resourcegroupstaggingapi")
    arns = [
        str(item["ResourceARN"])
        for item in _pages(
            tagging, "get_resources", "ResourceTagMappingList", TagFilters=[{"Key": TAG_KEY, "Values": [names.prefix]}]
        )
    ]
    return tuple(_resolve(client, arn) for arn in sorted(set(arns)))


def _resource_id(arn: str) -> str:
    """What follows the service, region and account in an ARN (``key/…``, ``table/…``, a queue name …)."""
    return arn.split(":", 5)[5] if arn.count(":") >= 5 else ""


def _probe(client: ClientFactory, arn: str) -> Callable[[], Any] | None:
    """A read that fails with "not found" once the resource is gone; None for services not probed."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    resource = _resource_id(arn)
    name = resource.partition("/")[2]
    probes: dict[str, Callable[[], Any]] = {
        "sqs": lambda: client("sqs").get_queue_url(QueueName=resource),
        "sns": lambda: client("sns").get_topic_attributes(TopicArn=arn),
        "lambda": lambda: client("lambda").get_function(FunctionName=arn),
        "dynamodb": lambda: client("dynamodb").describe_table(TableName=name),
        "events": lambda: client("events").describe_rule(Name=name),
        "ssm": lambda: client("ssm").get_parameter(Name=resource[len("parameter") :]),
        "iam": lambda: client("iam").get_role(RoleName=resource.rsplit("/", 1)[-1]),
        "s3": lambda: client("s3").head_bucket(Bucket=resource),
        "apigateway": lambda: client("apigatewayv2").get_api(ApiId=resource.rsplit("/", 1)[-1]),
        "logs": lambda: _log_group_exists(client, resource),
    }
    if service == "logs" and not resource.startswith("log-group:"):
        return None
    return probes.get(service)


def _log_group_exists(client: ClientFactory, resource: str) -> None:
    group = resource.split(":")[1] if ":" in resource else resource
    found = client("logs").describe_log_groups(logGroupNamePrefix=group).get("logGroups", [])
    if not any(g.get("logGroupName") == group for g in found):
        raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": group}}, "DescribeLogGroups")


def _resolve(client: ClientFactory, arn: str) -> TaggedResource:
    """Ask the resource's own service whether a tagged ARN is still there (the tagging index lags)."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    try:
        if service == "kms":
            state = client("kms").describe_key(KeyId=arn)["KeyMetadata"].get("KeyState")
            return TaggedResource(arn, pending_deletion=state == "PendingDeletion")
        if service == "secretsmanager":
            secret = client("secretsmanager").describe_secret(SecretId=arn)
            return TaggedResource(arn, pending_deletion=secret.get("DeletedDate") is not None)
        probe = _probe(client, arn)
        if probe is not None:
            probe()
    except ClientError as error:
        if _not_found(error):
            return TaggedResource(arn, exists=False)
        raise
    return TaggedResource(arn)


def _holds_objects(client: ClientFactory, bucket: str) -> bool:
    try:
        return bool(client("s3").list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0))
    except ClientError as error:
        if _not_found(error):
            return False
        raise


def read_monitoring(client: ClientFactory, names: RunNames) -> Monitoring:
    """The run's endpoint's alarms (by their AlarmNamePrefix) and dashboard, as CloudWatch lists them now."""
    cloudwatch = client("cloudwatch")
    alarms: list[str] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=names.endpoint_alarm_prefix, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        alarms += [a["AlarmName"] for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]
    entries = _pages(cloudwatch, "list_dashboards", "DashboardEntries", DashboardNamePrefix=names.endpoint_dashboard)
    dashboards = [d["DashboardName"] for d in entries if d["DashboardName"] == names.endpoint_dashboard]
    return Monitoring(tuple(sorted(alarms)), tuple(dashboards))


def read_inventory(client: ClientFactory, names: RunNames) -> Inventory:
    """Everything of the run the account still holds, by name and by tag."""
    sagemaker = client("sagemaker")
    cloudwatch = client("cloudwatch")
    logs = client("logs")
    alarms: list[str] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=names.prefix, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        alarms += [a["AlarmName"] for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]
    entries = _pages(cloudwatch, "list_dashboards", "DashboardEntries", DashboardNamePrefix=names.prefix)
    dashboards = [d["DashboardName"] for d in entries]
    groups: list[str] = []
    for prefix in (names.endpoint_log_group, names.function_log_group_prefix):
        found = _pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix)
        groups += [g["logGroupName"] for g in found]
    bucket = fixtures_bucket(client, names)
    holds_objects = bucket is not None and _holds_objects(client, bucket)
    stacks = tuple(name for name in (names.stack, names.fixtures_stack) if stack_status(client, name) is not None)
    return Inventory(
        endpoint=_exists(lambda: sagemaker.describe_endpoint(EndpointName=names.endpoint)),
        endpoint_config=_exists(lambda: sagemaker.describe_endpoint_config(EndpointConfigName=names.endpoint_config)),
        model=_exists(lambda: sagemaker.describe_model(ModelName=names.model)),
        stacks=stacks,
        alarms=tuple(sorted(name for name in alarms if names.owns_alarm(name))),
        dashboards=tuple(sorted(name for name in dashboards if names.owns_dashboard(name))),
        bucket=bucket if holds_objects else None,
        log_groups=tuple(
            sorted(
                g for g in set(groups) if g == names.endpoint_log_group or g.startswith(names.function_log_group_prefix)
            )
        ),
        tagged=_tagged(client, names),
    )


class Sweeper:
    """Carries out a cleanup plan; a failed step is recorded and the sweep goes on."""

    def __init__(
        self,
        client: ClientFactory,
        names: RunNames,
        *,
        clock: Clock = REAL_CLOCK,
        say: Callable[[str], None] = print,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self._client = client
        self._names = names
        self._clock = clock
        self._say = say
        self._interval = poll_interval

    def sweep(self) -> Sweep:
        """Read what is left, plan, remove it all."""
        result = Sweep()
        for step in plan(self._names, read_inventory(self._client, self._names)):
            self._say(f"cleanup: {step}")
            try:
                self.run(step)
            except (ClientError, WaitTimeoutError) as error:
                self._say(f"cleanup: FAILED {step}: {error}")
                result.failed.append((step, str(error)))
            else:
                result.done.append(step)
        return result

    def run(self, step: Step) -> None:
        target = step.targets[0]
        if step.action is Action.DELETE_ENDPOINT:
            self.delete_endpoint(target)
        elif step.action is Action.DELETE_ENDPOINT_CONFIG:
            self._client("sagemaker").delete_endpoint_config(EndpointConfigName=target)
        elif step.action is Action.DELETE_MODEL:
            self._client("sagemaker").delete_model(ModelName=target)
        elif step.action is Action.DELETE_STACK:
            self.delete_stack(target)
        elif step.action is Action.DELETE_ALARMS:
            self._client("cloudwatch").delete_alarms(AlarmNames=list(step.targets))
        elif step.action is Action.DELETE_DASHBOARDS:
            self._client("cloudwatch").delete_dashboards(DashboardNames=list(step.targets))
        elif step.action is Action.EMPTY_BUCKET:
            self.empty_bucket(target)
        elif step.action is Action.DELETE_LOG_GROUP:
            self._client("logs").delete_log_group(logGroupName=target)

    def delete_endpoint(self, name: str) -> None:
        sagemaker = self._client("sagemaker")
        try:
            sagemaker.delete_endpoint(EndpointName=name)
        except ClientError as error:
            # An endpoint already Deleting answers ValidationException too ("Cannot update in-progress
            # endpoint"): waiting for it to go is all there is to do.
            if _not_found(error):
                return
            if "in-progress" not in str(error) and "Deleting" not in str(error):
                raise
        wait_for(
            f"endpoint {name} to be gone",
            lambda: not _exists(lambda: sagemaker.describe_endpoint(EndpointName=name)),
            timeout=ENDPOINT_GONE_TIMEOUT,
            interval=self._interval,
            clock=self._clock,
            say=self._say,
        )

    def delete_stack(self, name: str) -> None:
        self._client("cloudformation").delete_stack(StackName=name)
        last: list[str | None] = [None]

        def gone() -> bool:
            status = stack_status(self._client, name)
            last[0] = status
            if status == "DELETE_FAILED":
                raise WaitTimeoutError(f"stack {name} is DELETE_FAILED: {self._failure(name)}")
            return status is None

        wait_for(
            f"stack {name} to be deleted",
            gone,
            timeout=STACK_GONE_TIMEOUT,
            interval=self._interval,
            clock=self._clock,
            say=self._say,
            describe=lambda: str(last[0]),
        )

    def _failure(self, name: str) -> str:
        events = self._client("cloudformation").describe_stack_events(StackName=name).get("StackEvents", [])
        reasons = [
            f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}"
            for e in events
            if str(e.get("ResourceStatus", "")).endswith("FAILED")
        ]
        return "; ".join(reasons[:5]) or "no reason given"

    def empty_bucket(self, bucket: str) -> None:
        s3 = self._client("s3")
        keys = [{"Key": item["Key"]} for item in _pages(s3, "list_objects_v2", "Contents", Bucket=bucket)]
        for start in range(0, len(keys), 1000):  # DeleteObjects takes up to 1,000 keys
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True})
