"""Creating a template's resources in the emulator, in dependency order.

Provisioned (created in moto through boto3): ``AWS::SNS::Topic``, ``AWS::SNS::Subscription``
(not the ``lambda`` protocol: delivering to Lambda would need Docker), ``AWS::SQS::Queue``
(RedrivePolicy included), ``AWS::DynamoDB::Table``, ``AWS::SecretsManager::Secret``,
``AWS::Events::EventBus``, ``AWS::Events::Rule`` (SQS and event-bus targets; Lambda targets
are skipped), ``AWS::CloudWatch::Alarm``, ``AWS::SSM::Parameter`` and ``AWS::SES::EmailIdentity``.

Everything else (functions, layers, IAM, log groups, policies, permissions, SAM's implicit
resources …) is recorded as *not provisioned* with a physical id and attributes of the real
shape (names, ARNs), so that Ref/GetAtt/Sub to it still resolve.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagewatch.core.shared.partitions import partition
from sagewatch_emulator.errors import ProvisioningError
from sagewatch_emulator.sam.template import Resolver, Template, TemplateError, dependency_order

__all__ = ["PROVISIONED_TYPES", "Provisioner", "ResourceRecord", "generated_name"]

ClientFactory = Callable[[str], Any]

_NAMING_PROPERTIES = (
    "FunctionName",
    "LayerName",
    "RoleName",
    "ManagedPolicyName",
    "LogGroupName",
    "DashboardName",
    "AlarmName",
    "Name",
)


@dataclass
class ResourceRecord:
    """One resource of the stack: its physical id, attributes, and whether moto holds it."""

    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    provisioned: bool = False
    note: str = ""

    def attribute(self, name: str) -> Any:
        if name == "Ref":
            return self.physical_id
        try:
            return self.attributes[name]
        except KeyError:
            known = ", ".join(sorted(self.attributes)) or "none"
            raise TemplateError(
                f"{self.logical_id} ({self.type}) has no attribute {name!r} here (known: {known})"
            ) from None


def generated_name(stack_name: str, logical_id: str, *, max_length: int = 64, suffix: str = "") -> str:
    """A CloudFormation-style generated name ``{stack}-{logical}-{RANDOM}``; deterministic
    here (a hash of stack and logical id), so runs are comparable."""
    digest = base64.b32encode(hashlib.sha256(f"{stack_name}/{logical_id}".encode()).digest())
    random_part = digest.decode()[:12]
    room = max_length - len(random_part) - len(suffix) - 2
    head = f"{stack_name}-{logical_id}"[: max(room, 1)]
    return f"{head}-{random_part}{suffix}"


def _tags_list(value: Any) -> list[dict[str, str]]:
    """CloudFormation tags, as a list of {Key, Value} or a map, into the API's list form."""
    if isinstance(value, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in value.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in value or []]


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


DEFAULT_ACCOUNT_CONCURRENCY = 1000  # Lambda's default concurrent executions per region
UNRESERVED_MINIMUM = 100  # what Lambda keeps for functions without a reservation


def reserved_concurrency_refusal(minimum: int) -> str:
    """Lambda's error text (PutFunctionConcurrency / CreateFunction, 400 InvalidParameterValueException)."""
    return (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        f"UnreservedConcurrentExecution below its minimum value of [{minimum}]. "
        "(Service: Lambda, Status Code: 400)"
    )


class Provisioner:
    """Resolves and creates the template's resources; the resolver's :class:`AttributeSource`."""

    def __init__(
        self,
        template: Template,
        *,
        clients: ClientFactory,
        region: str,
        account_id: str,
        stack_name: str,
        account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY,
    ) -> None:
        self.template = template
        self.account_concurrency = account_concurrency
        self.reserved_concurrency = 0  # what the functions provisioned so far reserve
        self.clients = clients
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.records: dict[str, ResourceRecord] = {}
        self.resolver: Resolver | None = None

    # -- AttributeSource --

    def _record(self, logical_id: str) -> ResourceRecord:
        try:
            return self.records[logical_id]
        except KeyError:
            raise TemplateError(f"{logical_id} is referenced before it exists") from None

    def has(self, logical_id: str) -> bool:
        return logical_id in self.records

    def ref(self, logical_id: str) -> Any:
        return self._record(logical_id).physical_id

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return self._record(logical_id).attribute(attribute)

    # -- provisioning --

    def provision_all(self, resolver: Resolver) -> dict[str, ResourceRecord]:
        self.resolver = resolver
        self._add_sam_implicit_resources()
        enabled = [lid for lid in self.template.resources if resolver.resource_enabled(lid)]
        for logical_id in dependency_order(self.template, enabled):
            kind = self.template.resource_type(logical_id)
            properties = resolver.resolve(self.template.properties(logical_id), f"{logical_id}.Properties")
            if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
                self._reserve_concurrency(logical_id, properties.get("ReservedConcurrentExecutions"))
            create = self.creator(kind)
            if create is None:
                self.records[logical_id] = self._placeholder(logical_id, kind, properties)
            else:
                self.records[logical_id] = create(self, logical_id, properties)
        return self.records

    def creator(self, kind: str) -> Callable[[Provisioner, str, Any], ResourceRecord] | None:
        """How a resource of ``kind`` is created in moto (None: recorded, not created)."""
        return _CREATORS.get(kind)

    def _reserve_concurrency(self, logical_id: str, reserved: Any) -> None:
        """Refuse a reservation that leaves the account less unreserved concurrency than Lambda's minimum.

        "You can reserve up to the Unreserved account concurrency value that is shown, minus 100
        for functions that don't have reserved concurrency" (Lambda, "Configuring reserved
        concurrency for a function",
        https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). An account
        whose limit is below 100 (new accounts get 10) keeps all of it: the error reports the
        minimum as [10] there (e.g. aws-samples/alarm-context-tool#2).
        """
        if reserved is None:
            return
        total = self.reserved_concurrency + int(reserved)
        minimum = min(UNRESERVED_MINIMUM, self.account_concurrency)
        if self.account_concurrency - total < minimum:
            raise ProvisioningError(logical_id, reserved_concurrency_refusal(minimum))
        self.reserved_concurrency = total

    def _name(self, properties: Mapping[str, Any], key: str, logical_id: str, **kwargs: Any) -> str:
        value = properties.get(key)
        return str(value) if value else generated_name(self.stack_name, logical_id, **kwargs)

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{partition(self.region)}:{service}:{region}:{self.account_id}:{resource}"

    # -- what is recorded but not created --

    def _placeholder(self, logical_id: str, kind: str, properties: Mapping[str, Any]) -> ResourceRecord:
        note = "not provisioned: the emulated account does not create this type"
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            name = self._name(properties, "FunctionName", logical_id)
            arn = self._arn("lambda", f"function:{name}")
            return ResourceRecord(logical_id, kind, name, {"Arn": arn}, note="run it with account.invoke()")
        if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            name = str(properties.get("LayerName") or logical_id)
            arn = self._arn("lambda", f"layer:{name}:1")
            return ResourceRecord(logical_id, kind, arn, {"LayerVersionArn": arn}, note=note)
        if kind == "AWS::IAM::Role":
            name = self._name(properties, "RoleName", logical_id)
            arn = self._arn("iam", f"role/{name}", regional=False)
            return ResourceRecord(
                logical_id, kind, name, {"Arn": arn, "RoleId": f"AROA{logical_id[:16].upper()}"}, note=note
            )
        if kind == "AWS::IAM::ManagedPolicy":
            name = self._name(properties, "ManagedPolicyName", logical_id)
            arn = self._arn("iam", f"policy/{name}", regional=False)
            return ResourceRecord(logical_id, kind, arn, {"PolicyArn": arn}, note=note)
        if kind == "AWS::Logs::LogGroup":
            name = self._name(properties, "LogGroupName", logical_id)
            return ResourceRecord(logical_id, kind, name, {"Arn": self._arn("logs", f"log-group:{name}:*")}, note=note)
        if kind == "AWS::CloudWatch::Dashboard":
            name = self._name(properties, "DashboardName", logical_id)
            return ResourceRecord(logical_id, kind, name, {}, note=note)
        if kind == "AWS::CloudWatch::CompositeAlarm":
            name = self._name(properties, "AlarmName", logical_id)
            arn = self._arn("cloudwatch", f"alarm:{name}")
            return ResourceRecord(
                logical_id, kind, name, {"Arn": arn}, note="not provisioned: moto has no PutCompositeAlarm"
            )
        service = kind.split("::")[1].lower() if kind.count("::") >= 2 else "unknown"
        name = generated_name(self.stack_name, logical_id)
        return ResourceRecord(logical_id, kind, name, {"Arn": self._arn(service, name)}, note=note)

    def _add_sam_implicit_resources(self) -> None:
        """Resources SAM's transform adds (``<Function>Role``, one per function event …), so
        that references to them resolve; none is created."""
        for logical_id, resource in self.template.resources.items():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            properties = self.template.properties(logical_id)
            if "Role" not in properties:
                role = f"{logical_id}Role"
                name = generated_name(self.stack_name, role)
                self.records.setdefault(
                    role,
                    ResourceRecord(
                        role,
                        "AWS::IAM::Role",
                        name,
                        {"Arn": self._arn("iam", f"role/{name}", regional=False)},
                        note="SAM implicit resource, not provisioned",
                    ),
                )
            for event_name, event in (properties.get("Events") or {}).items():
                implicit = f"{logical_id}{event_name}"
                event_type = str((event or {}).get("Type", ""))
                kind = {
                    "Schedule": "AWS::Events::Rule",
                    "EventBridgeRule": "AWS::Events::Rule",
                    "CloudWatchEvent": "AWS::Events::Rule",
                    "SQS": "AWS::Lambda::EventSourceMapping",
                    "SNS": "AWS::SNS::Subscription",
                }.get(event_type, f"SAM::{event_type}")
                name = generated_name(self.stack_name, implicit)
                self.records.setdefault(
                    implicit,
                    ResourceRecord(
                        implicit,
                        kind,
                        name,
                        {"Arn": self._arn(kind.split("::")[1].lower(), name)},
                        note=f"SAM implicit resource for {event_type} event, not provisioned "
                        "(it would deliver to Lambda)",
                    ),
                )

    # -- creators --

    def _sns_topic(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        fifo = _truthy(p.get("FifoTopic"))
        name = self._name(p, "TopicName", logical_id, max_length=256, suffix=".fifo" if fifo else "")
        attributes = {
            key: _text(p[key])
            for key in (
                "DisplayName",
                "KmsMasterKeyId",
                "FifoTopic",
                "ContentBasedDeduplication",
                "TracingConfig",
            )
            if key in p
        }
        sns = self.clients("sns")
        arn = sns.create_topic(Name=name, Attributes=attributes, Tags=_tags_list(p.get("Tags")))["TopicArn"]
        skipped = []
        for subscription in p.get("Subscription") or []:
            if subscription.get("Protocol") == "lambda":
                skipped.append(subscription.get("Endpoint"))
                continue
            sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=str(subscription["Endpoint"]))
        note = f"lambda subscriptions skipped: {skipped}" if skipped else ""
        return ResourceRecord(
            logical_id,
            "AWS::SNS::Topic",
            arn,
            {"TopicArn": arn, "TopicName": name},
            provisioned=True,
            note=note,
        )

    def _sns_subscription(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        kind = "AWS::SNS::Subscription"
        if p.get("Protocol") == "lambda":
            arn = f"{p.get('TopicArn')}:{generated_name('sub', logical_id, max_length=36)}"
            return ResourceRecord(
                logical_id, kind, arn, {}, note="not provisioned: SNS to Lambda delivery needs Docker"
            )
        attributes = {
            key: _json_text(p[key]) if key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy") else _text(p[key])
            for key in (
                "FilterPolicy",
                "FilterPolicyScope",
                "RawMessageDelivery",
                "RedrivePolicy",
                "DeliveryPolicy",
                "SubscriptionRoleArn",
            )
            if key in p
        }
        arn = self.clients("sns").subscribe(
            TopicArn=str(p["TopicArn"]),
            Protocol=str(p["Protocol"]),
            Endpoint=str(p.get("Endpoint", "")),
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return ResourceRecord(logical_id, kind, arn, {"Arn": arn}, provisioned=True)

    def _sqs_queue(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        fifo = _truthy(p.get("FifoQueue"))
        name = self._name(p, "QueueName", logical_id, max_length=80, suffix=".fifo" if fifo else "")
        attributes: dict[str, str] = {}
        for key in (
            "DelaySeconds",
            "MaximumMessageSize",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "VisibilityTimeout",
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
        ):
            if key in p:
                attributes[key] = _text(p[key])
        if "RedrivePolicy" in p:
            policy = (
                dict(p["RedrivePolicy"]) if isinstance(p["RedrivePolicy"], Mapping) else json.loads(p["RedrivePolicy"])
            )
            if "maxReceiveCount" in policy:
                policy["maxReceiveCount"] = int(policy["maxReceiveCount"])
            attributes["RedrivePolicy"] = json.dumps(policy)
        if "RedriveAllowPolicy" in p:
            attributes["RedriveAllowPolicy"] = _json_text(p["RedriveAllowPolicy"])
        tags = {t["Key"]: t["Value"] for t in _tags_list(p.get("Tags"))}
        sqs = self.clients("sqs")
        kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
        if tags:
            kwargs["tags"] = tags
        url = sqs.create_queue(**kwargs)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return ResourceRecord(
            logical_id,
            "AWS::SQS::Queue",
            url,
            {"Arn": arn, "QueueName": name, "QueueUrl": url},
            provisioned=True,
        )

    def _dynamodb_table(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        name = self._name(p, "TableName", logical_id, max_length=255)

        def throughput(value: Mapping[str, Any]) -> dict[str, int]:
            return {k: int(v) for k, v in value.items() if k in ("ReadCapacityUnits", "WriteCapacityUnits")}

        def index(value: Mapping[str, Any]) -> dict[str, Any]:
            entry = {k: value[k] for k in ("IndexName", "KeySchema", "Projection") if k in value}
            if "ProvisionedThroughput" in value:
                entry["ProvisionedThroughput"] = throughput(value["ProvisionedThroughput"])
            return entry

        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": p["KeySchema"],
            "AttributeDefinitions": p["AttributeDefinitions"],
            "BillingMode": p.get("BillingMode", "PROVISIONED"),
        }
        if "ProvisionedThroughput" in p:
            kwargs["ProvisionedThroughput"] = throughput(p["ProvisionedThroughput"])
        if p.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = [index(i) for i in p["GlobalSecondaryIndexes"]]
        if p.get("LocalSecondaryIndexes"):
            kwargs["LocalSecondaryIndexes"] = [index(i) for i in p["LocalSecondaryIndexes"]]
        if "StreamSpecification" in p:
            kwargs["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": p["StreamSpecification"]["StreamViewType"],
            }
        if "SSESpecification" in p:
            sse = p["SSESpecification"]
            kwargs["SSESpecification"] = {
                k2: sse[k1]
                for k1, k2 in (
                    ("SSEEnabled", "Enabled"),
                    ("SSEType", "SSEType"),
                    ("KMSMasterKeyId", "KMSMasterKeyId"),
                )
                if k1 in sse
            }
        if "Tags" in p:
            kwargs["Tags"] = _tags_list(p["Tags"])
        if "TableClass" in p:
            kwargs["TableClass"] = p["TableClass"]
        if "DeletionProtectionEnabled" in p:
            kwargs["DeletionProtectionEnabled"] = _truthy(p["DeletionProtectionEnabled"])
        dynamodb = self.clients("dynamodb")
        table = dynamodb.create_table(**kwargs)["TableDescription"]
        ttl = p.get("TimeToLiveSpecification")
        if ttl and _truthy(ttl.get("Enabled", True)):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        attributes = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attributes["StreamArn"] = table["LatestStreamArn"]
        return ResourceRecord(logical_id, "AWS::DynamoDB::Table", name, attributes, provisioned=True)

    def _secret(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        name = str(p.get("Name") or generated_name(logical_id, "secret", max_length=64))
        kwargs: dict[str, Any] = {"Name": name}
        for key in ("Description", "KmsKeyId"):
            if key in p:
                kwargs[key] = p[key]
        if "Tags" in p:
            kwargs["Tags"] = _tags_list(p["Tags"])
        if "SecretString" in p:
            kwargs["SecretString"] = _text(p["SecretString"])
        elif "GenerateSecretString" in p:
            kwargs["SecretString"] = _generate_secret_string(p["GenerateSecretString"])
        arn = self.clients("secretsmanager").create_secret(**kwargs)["ARN"]
        return ResourceRecord(
            logical_id, "AWS::SecretsManager::Secret", arn, {"Id": arn, "Name": name}, provisioned=True
        )

    def _event_bus(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        name = str(p["Name"])
        arn = self.clients("events").create_event_bus(Name=name)["EventBusArn"]
        return ResourceRecord(logical_id, "AWS::Events::EventBus", name, {"Arn": arn, "Name": name}, provisioned=True)

    def _events_rule(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        name = self._name(p, "Name", logical_id)
        kwargs: dict[str, Any] = {"Name": name, "State": p.get("State", "ENABLED")}
        if "EventPattern" in p:
            kwargs["EventPattern"] = _json_text(p["EventPattern"])
        for key in ("ScheduleExpression", "Description", "RoleArn", "EventBusName"):
            if key in p:
                kwargs[key] = str(p[key])
        events = self.clients("events")
        arn = events.put_rule(**kwargs)["RuleArn"]
        targets, skipped = [], []
        for target in p.get("Targets") or []:
            arn_parts = str(target.get("Arn", "")).split(":")  # arn:<partition>:sqs:… or …:event-bus/<name>
            if arn_parts[2:3] == ["sqs"] or (arn_parts[2:3] == ["events"] and ":event-bus/" in target["Arn"]):
                targets.append(
                    {
                        k: (_json_text(v) if k == "Input" else v)
                        for k, v in target.items()
                        if k
                        in (
                            "Id",
                            "Arn",
                            "RoleArn",
                            "Input",
                            "InputPath",
                            "InputTransformer",
                            "SqsParameters",
                            "DeadLetterConfig",
                            "RetryPolicy",
                        )
                    }
                )
            else:
                skipped.append(str(target.get("Id")))
        if targets:
            put_kwargs: dict[str, Any] = {"Rule": name, "Targets": targets}
            if "EventBusName" in p:
                put_kwargs["EventBusName"] = str(p["EventBusName"])
            events.put_targets(**put_kwargs)
        note = f"Lambda and other targets skipped: {', '.join(skipped)}" if skipped else ""
        return ResourceRecord(logical_id, "AWS::Events::Rule", name, {"Arn": arn}, provisioned=True, note=note)

    def _alarm(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        name = self._name(p, "AlarmName", logical_id, max_length=255)
        kwargs: dict[str, Any] = {"AlarmName": name}
        for key in (
            "AlarmDescription",
            "AlarmActions",
            "OKActions",
            "InsufficientDataActions",
            "ComparisonOperator",
            "Dimensions",
            "EvaluateLowSampleCountPercentile",
            "ExtendedStatistic",
            "MetricName",
            "Metrics",
            "Namespace",
            "Statistic",
            "ThresholdMetricId",
            "TreatMissingData",
            "Unit",
        ):
            if key in p:
                kwargs[key] = p[key]
        for key in ("EvaluationPeriods", "DatapointsToAlarm", "Period"):
            if key in p:
                kwargs[key] = int(p[key])
        if "Threshold" in p:
            kwargs["Threshold"] = float(p["Threshold"])
        if "ActionsEnabled" in p:
            kwargs["ActionsEnabled"] = _truthy(p["ActionsEnabled"])
        if "Metrics" in kwargs:
            kwargs["Metrics"] = [_metric_query(q) for q in kwargs["Metrics"]]
        if "Tags" in p:
            kwargs["Tags"] = _tags_list(p["Tags"])
        self.clients("cloudwatch").put_metric_alarm(**kwargs)
        arn = self._arn("cloudwatch", f"alarm:{name}")
        return ResourceRecord(logical_id, "AWS::CloudWatch::Alarm", name, {"Arn": arn}, provisioned=True)

    def _kms_key(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        kwargs: dict[str, Any] = {"Description": str(p.get("Description") or logical_id)}
        if p.get("KeyPolicy"):
            kwargs["Policy"] = json.dumps(p["KeyPolicy"])
        metadata = self.clients("kms").create_key(**kwargs)["KeyMetadata"]
        if p.get("EnableKeyRotation"):
            self.clients("kms").enable_key_rotation(KeyId=metadata["KeyId"])
        return ResourceRecord(
            logical_id,
            "AWS::KMS::Key",
            metadata["KeyId"],
            {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]},
            provisioned=True,
        )

    def _ssm_parameter(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        name = self._name(p, "Name", logical_id, max_length=1011)
        kwargs: dict[str, Any] = {"Name": name, "Value": _text(p["Value"]), "Type": p.get("Type", "String")}
        for key in ("Description", "AllowedPattern", "Tier", "DataType"):
            if key in p:
                kwargs[key] = p[key]
        if "Tags" in p:
            kwargs["Tags"] = _tags_list(p["Tags"])
        self.clients("ssm").put_parameter(**kwargs)
        return ResourceRecord(
            logical_id,
            "AWS::SSM::Parameter",
            name,
            {"Type": kwargs["Type"], "Value": kwargs["Value"]},
            provisioned=True,
        )

    def _email_identity(self, logical_id: str, p: Mapping[str, Any]) -> ResourceRecord:
        identity = str(p["EmailIdentity"])
        self.clients("sesv2").create_email_identity(EmailIdentity=identity)
        return ResourceRecord(logical_id, "AWS::SES::EmailIdentity", identity, {}, provisioned=True)


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    entry = dict(query)
    if "Period" in entry:
        entry["Period"] = int(entry["Period"])
    stat = entry.get("MetricStat")
    if isinstance(stat, Mapping) and "Period" in stat:
        entry["MetricStat"] = {**stat, "Period": int(stat["Period"])}
    if "ReturnData" in entry:
        entry["ReturnData"] = _truthy(entry["ReturnData"])
    return entry


def _generate_secret_string(spec: Mapping[str, Any]) -> str:
    length = int(spec.get("PasswordLength", 32))
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    alphabet = string.ascii_letters + string.digits
    if not _truthy(spec.get("ExcludePunctuation", False)):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    alphabet = "".join(c for c in alphabet if c not in excluded) or string.ascii_letters
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(str(template))
        document[str(key)] = password
        return json.dumps(document)
    return password


_CREATORS: dict[str, Callable[[Provisioner, str, Any], ResourceRecord]] = {
    "AWS::SNS::Topic": Provisioner._sns_topic,
    "AWS::SNS::Subscription": Provisioner._sns_subscription,
    "AWS::SQS::Queue": Provisioner._sqs_queue,
    "AWS::DynamoDB::Table": Provisioner._dynamodb_table,
    "AWS::SecretsManager::Secret": Provisioner._secret,
    "AWS::Events::EventBus": Provisioner._event_bus,
    "AWS::Events::Rule": Provisioner._events_rule,
    "AWS::CloudWatch::Alarm": Provisioner._alarm,
    "AWS::SSM::Parameter": Provisioner._ssm_parameter,
    "AWS::KMS::Key": Provisioner._kms_key,
    "AWS::SES::EmailIdentity": Provisioner._email_identity,
}

PROVISIONED_TYPES = tuple(sorted(_CREATORS))
"""The resource types the emulated account creates in moto."""
