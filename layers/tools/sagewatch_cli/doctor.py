"""``sagewatch doctor``: read-only checks of an AWS account for what would break or stay silent.

Every check makes read calls only (Get*, Describe*, List*) and returns findings: ``ok``, ``warn``
(something degrades, or could not be checked) or ``fail`` (something breaks, or an alarm can
never fire), each with what was found and how to fix it. Clients are injected (a function from
service name to boto3 client), so the same checks run against a real account and an emulated one.

Which metrics an endpoint must publish comes from the product's own onboarding
(``Onboarding.desired``: the alarm builder, the fleet policy and the endpoint's tags), so the
doctor and onboarding cannot disagree about which alarms exist and what they read.

Secret values are read to check their shape and are never printed, logged or kept.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from sagewatch.adapters.secrets_manager import BOT_TOKEN_KEYS, WEBHOOK_URL_KEYS
from sagewatch.core.model_monitor.schedules import DRIFT_METRIC_LOCATIONS
from sagewatch.core.monitoring.alarm_spec import AlarmSpec, Metric
from sagewatch.core.shared.errors import SageWatchError
from sagewatch.core.shared.namespaces import MODEL_MONITOR_NAMESPACES

Clients = Callable[[str], Any]

# The stack's defaults, checked against template.yaml by tests/unit/cli/test_doctor.py.
POWERTOOLS_PARAMETER = "/aws/service/powertools/python/arm64/python3.13/3.37.0"
# SageWatch reserves no concurrency (a reservation fails deploys on new accounts and throttles
# SQS batches into the DLQ, docs/delivery.md); its queue-fed workers run at most NotifyFunction's
# MaximumConcurrency (2) plus OnboardFunction's message groups with work: OnboardQueue is FIFO
# with WORK_LANES (2) groups per account-region, so 2 + 2 in one account, and up to 2 + 20 (its
# MaximumConcurrency) in a hub backfilling ten or more spokes (docs/hub-and-spokes.md (f)).
QUEUE_WORKER_CONCURRENCY = 4
QUEUE_WORKER_CONCURRENCY_WITH_SPOKES = 22
DEFAULT_STACK = "sagewatch"
DEFAULT_SLACK_SECRET_PREFIX = "sagewatch/"  # noqa: S105 - a name prefix, not a secret
CONCURRENCY_QUOTA = "Lambda 'Concurrent executions' (Service Quotas code L-B99A9384)"
# Metrics SageMaker publishes only when something happens (a cold start, a failed async request):
# two weeks without them is normal, not a sign of an alarm that cannot fire.
EVENT_ONLY_METRICS = frozenset({"ModelSetupTime", "InvocationFailures"})
# ListMetrics only returns metrics with data in the last two weeks (CloudWatch API reference).
LIST_METRICS_LOOKBACK = "14 days"
ENDPOINT_NAMESPACES = ("AWS/SageMaker", "/aws/sagemaker/Endpoints")
COMPONENT_NAMESPACES = ("AWS/SageMaker", "/aws/sagemaker/InferenceComponents")


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    status: Status
    check: str  # short id of the check, e.g. "ses"
    what: str
    fix: str = ""


@dataclass(frozen=True)
class Target:
    """What is being checked: the stack's settings (from CloudFormation, or given as options)."""

    prefix: str = "SageWatch"
    stack_name: str | None = DEFAULT_STACK
    stack_found: bool = False
    alert_topic_arn: str | None = None
    slack_webhook_secret: str | None = None
    slack_bot_secret: str | None = None
    slack_secret_prefix: str = DEFAULT_SLACK_SECRET_PREFIX
    email_sender: str | None = None
    email_recipients: tuple[str, ...] = ()
    powertools_parameter: str = POWERTOOLS_PARAMETER
    policy_parameter: str | None = None


# --- the stack ---------------------------------------------------------------------------------


def read_stack(cloudformation: Any, stack_name: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """(parameters, outputs) of a deployed stack; None when it does not exist in this region."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name).get("Stacks", [])
    except ClientError as exc:
        if _code(exc) == "ValidationError":  # CloudFormation's "Stack with id X does not exist"
            return None
        raise
    if not stacks:
        return None
    stack = stacks[0]
    # For SSM-typed parameters ParameterValue is the parameter's name, which is what is checked.
    parameters = {str(p["ParameterKey"]): str(p.get("ParameterValue", "")) for p in stack.get("Parameters", [])}
    outputs = {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs", [])}
    return parameters, outputs


def target_from_stack(
    stack_name: str, parameters: Mapping[str, str], outputs: Mapping[str, str], *, found: bool
) -> Target:
    """The settings of a deployed (or emulated) stack, from its parameters and outputs."""

    def value(key: str) -> str | None:
        return parameters.get(key) or None

    recipients = (parameters.get("EmailRecipients") or "").replace(",", " ").split()
    return Target(
        prefix=parameters.get("NamePrefix") or "SageWatch",
        stack_name=stack_name,
        stack_found=found,
        alert_topic_arn=outputs.get("AlertTopicArn") or None,
        slack_webhook_secret=value("SlackWebhookSecretName"),
        slack_bot_secret=value("SlackBotTokenSecretName"),
        slack_secret_prefix=parameters.get("SlackSecretNamePrefix") or DEFAULT_SLACK_SECRET_PREFIX,
        email_sender=value("EmailSender"),
        email_recipients=tuple(recipients),
        powertools_parameter=parameters.get("PowertoolsLayerArn") or POWERTOOLS_PARAMETER,
        policy_parameter=outputs.get("PolicyParameterName") or None,
    )


# --- helpers -----------------------------------------------------------------------------------


def _code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    code = getattr(exc, "code", None)
    return str(code) if code else type(exc).__name__


# Answers that say the caller may not read: only these deserve "grant the permission".
_ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "403"}
)
# Answers that say the service at the endpoint has no such API at all: every AWS Region serves
# these read calls, so this is a gap of the service answering (an emulator such as moto answers
# an operation it does not implement with HTTP 404), not something to fix in the account.
_NOT_IMPLEMENTED_CODES = frozenset({"404", "NotImplemented", "NotImplementedError"})
_BY_HAND = "check by hand (see docs/deploy.md, 'sagewatch doctor')"


def _could_not_check(check: str, what: str, exc: BaseException) -> Finding:
    code = _code(exc)
    if code in _NOT_IMPLEMENTED_CODES:
        return Finding(
            Status.WARN,
            check,
            f"could not check {what}: the service at this endpoint does not implement it ({code}; "
            "an emulator gap, not a finding about the account)",
            "nothing to fix here; on AWS this check runs",
        )
    if code in _ACCESS_DENIED_CODES:
        return Finding(
            Status.WARN,
            check,
            f"could not check {what}: access denied ({code})",
            f"grant the read permission it needs, or {_BY_HAND}",
        )
    return Finding(Status.WARN, check, f"could not check {what}: {code}", _BY_HAND)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _allows(statement: Mapping[str, Any], service: str, actions: Sequence[str]) -> bool:
    """Whether one policy statement allows ``service`` (a service principal) every action."""
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    principals = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else _as_list(principal)
    if service not in principals and "*" not in principals:
        return False
    patterns = [str(a).lower() for a in _as_list(statement.get("Action"))]
    return all(any(fnmatch.fnmatchcase(action.lower(), p) for p in patterns) for action in actions)


def _metrics_of(spec: AlarmSpec) -> list[Metric]:
    if spec.metric is not None:
        return [spec.metric]
    return [q.metric for q in spec.queries if q.metric is not None]


def _dims_text(dimensions: Iterable[tuple[str, str]]) -> str:
    return ", ".join(name for name, _ in sorted(dimensions)) or "no dimensions"


MetricKey = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, name, dimensions


# --- the doctor --------------------------------------------------------------------------------


@dataclass
class Doctor:
    """Runs every check; a check that cannot run becomes a "could not check" warning."""

    clients: Clients
    target: Target
    region: str
    # endpoint name → (kind, desired alarms): the product's own onboarding decides.
    desired: Callable[[str], tuple[str, Sequence[AlarmSpec]]] | None = None
    findings: list[Finding] = field(default_factory=list)

    def run(self) -> list[Finding]:
        checks: list[tuple[str, str, Callable[[], list[Finding]]]] = [
            ("stack", "the stack (cloudformation DescribeStacks)", self.check_stack),
            ("powertools-layer", "the Powertools layer parameter (ssm GetParameter)", self.check_powertools_layer),
            (
                "lambda-concurrency",
                "the account's Lambda concurrency (lambda GetAccountSettings)",
                self.check_lambda_concurrency,
            ),
            ("ses", "the SES identities (sesv2 GetEmailIdentity)", self.check_ses),
            ("slack-secret", "the Slack secrets (secretsmanager DescribeSecret)", self.check_slack_secrets),
            ("alert-topic", "the alert topic and its KMS key (sns, kms GetKeyPolicy)", self.check_alert_topic),
            ("metrics", "the endpoints' metrics (sagemaker, cloudwatch ListMetrics)", self.check_metrics),
            (
                "alarm-samples",
                "percentile alarms against their traffic (cloudwatch DescribeAlarms, GetMetricData)",
                self.check_alarm_samples,
            ),
        ]
        for check, what, run in checks:
            try:
                self.findings.extend(run())
            except (BotocoreConnectionError, HTTPClientError):
                raise  # AWS cannot be reached: no check can run (sagewatch_cli.errors says so once)
            except (ClientError, BotoCoreError, SageWatchError) as exc:
                self.findings.append(_could_not_check(check, what, exc))
        return self.findings

    # -- the stack and the deploy -----------------------------------------------------------

    def check_stack(self) -> list[Finding]:
        if self.target.stack_name is None:
            return [Finding(Status.OK, "stack", "no stack named: checking the options given")]
        if self.target.stack_found:
            return [Finding(Status.OK, "stack", f"stack {self.target.stack_name} is deployed in {self.region}")]
        return [
            Finding(
                Status.OK,
                "stack",
                f"stack {self.target.stack_name} is not deployed in {self.region}: checking a first deploy "
                "with the options given",
            )
        ]

    def check_powertools_layer(self) -> list[Finding]:
        name = self.target.powertools_parameter
        try:
            value = self.clients("ssm").get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as exc:
            if _code(exc) != "ParameterNotFound":
                raise
            return [
                Finding(
                    Status.FAIL,
                    "powertools-layer",
                    f"the Powertools layer parameter {name} does not exist in {self.region}: the deploy fails "
                    "resolving PowertoolsLayerArn",
                    "list the versions published here (aws ssm get-parameters-by-path --path "
                    "/aws/service/powertools/python/arm64/python3.13) and deploy with "
                    "PowertoolsLayerArn=<one of them>, keeping requirements-dev.txt at the same version",
                )
            ]
        return [Finding(Status.OK, "powertools-layer", f"{name} resolves to {value}")]

    def check_lambda_concurrency(self) -> list[Finding]:
        """Informational: the deploy needs no reservation, but too little concurrency throttles the workers."""
        limits = self.clients("lambda").get_account_settings().get("AccountLimit", {})
        total = int(limits.get("ConcurrentExecutions", 0))
        unreserved = int(limits.get("UnreservedConcurrentExecutions", 0))
        if unreserved < QUEUE_WORKER_CONCURRENCY:
            return [
                Finding(
                    Status.WARN,
                    "lambda-concurrency",
                    f"only {unreserved} of {total} concurrent executions unreserved: SageWatch's queue workers "
                    f"run up to {QUEUE_WORKER_CONCURRENCY} at once, and throttled batches return to their queues "
                    "(the *-throttles alarms fire)",
                    f"request an increase of {CONCURRENCY_QUOTA}, or lower other functions' reservations",
                )
            ]
        return [
            Finding(
                Status.OK,
                "lambda-concurrency",
                f"{unreserved} of {total} concurrent executions unreserved; SageWatch reserves none and its "
                f"queue workers run at most {QUEUE_WORKER_CONCURRENCY} at once "
                f"(up to {QUEUE_WORKER_CONCURRENCY_WITH_SPOKES} in a hub backfilling its spokes)",
            )
        ]

    # -- e-mail -----------------------------------------------------------------------------

    def _identity_status(self, sesv2: Any, address: str) -> str:
        """ "verified" when SES may send as/to ``address`` (it or its domain is verified), else
        "pending" (an identity awaiting verification) or "missing"."""
        domain = address.rpartition("@")[2]
        status = "missing"
        for identity in (address, domain):
            try:
                answer = sesv2.get_email_identity(EmailIdentity=identity)
            except ClientError as exc:
                if _code(exc) == "NotFoundException":
                    continue
                raise
            # Either flag says so on AWS; moto sets only VerificationStatus (SUCCESS).
            if answer.get("VerifiedForSendingStatus") or answer.get("VerificationStatus") == "SUCCESS":
                return "verified"
            status = "pending"
        return status

    def check_ses(self) -> list[Finding]:
        sender = self.target.email_sender
        if not sender:
            return [Finding(Status.OK, "ses", "e-mail alerts are not configured (EmailSender is empty)")]
        sesv2 = self.clients("sesv2")
        findings: list[Finding] = []
        status = self._identity_status(sesv2, sender)
        if status == "verified":
            findings.append(Finding(Status.OK, "ses", f"sender {sender} is a verified SES identity in {self.region}"))
        else:
            state = "awaiting verification" if status == "pending" else "not a verified SES identity"
            findings.append(
                Finding(
                    Status.FAIL,
                    "ses",
                    f"sender {sender} is {state} in {self.region}: every alert e-mail is rejected",
                    f"verify it (aws sesv2 create-email-identity --email-identity {sender}, then the link SES "
                    "mails), or verify its domain",
                )
            )
        try:
            account = sesv2.get_account()
        except (ClientError, BotoCoreError) as exc:
            findings.append(_could_not_check("ses", "whether SES is in its sandbox (sesv2 GetAccount)", exc))
            return findings
        if not account.get("SendingEnabled", True):
            findings.append(
                Finding(
                    Status.FAIL,
                    "ses",
                    f"SES sending is paused for this account in {self.region}",
                    "see the SES console's account dashboard for why, and ask AWS to resume sending",
                )
            )
        if account.get("ProductionAccessEnabled"):
            findings.append(Finding(Status.OK, "ses", "SES has production access (out of the sandbox)"))
            return findings
        findings.append(
            Finding(
                Status.WARN,
                "ses",
                f"SES is in its sandbox in {self.region}: alerts reach verified addresses only, at most 200 a day",
                "request production access (SES console, Account dashboard) or verify every recipient",
            )
        )
        for recipient in self.target.email_recipients:
            if self._identity_status(sesv2, recipient) != "verified":
                findings.append(
                    Finding(
                        Status.FAIL,
                        "ses",
                        f"recipient {recipient} is not verified while SES is in its sandbox: it gets no alert",
                        f"verify it (aws sesv2 create-email-identity --email-identity {recipient}) or leave "
                        "the sandbox",
                    )
                )
        return findings

    # -- Slack ------------------------------------------------------------------------------

    def check_slack_secrets(self) -> list[Finding]:
        configured = [
            (name, kind)
            for name, kind in (
                (self.target.slack_webhook_secret, "webhook"),
                (self.target.slack_bot_secret, "bot token"),
            )
            if name
        ]
        if not configured:
            if self.target.email_sender:
                return [Finding(Status.OK, "slack-secret", "Slack is not configured: alerts go by e-mail only")]
            return [
                Finding(
                    Status.FAIL,
                    "slack-secret",
                    "neither Slack nor e-mail is configured: alarms fire and nobody hears of them",
                    "deploy with SlackWebhookSecretName=<secret> and/or EmailSender=<verified address>",
                )
            ]
        findings: list[Finding] = []
        secrets = self.clients("secretsmanager")
        for name, kind in configured:
            assert name is not None
            findings.append(self._check_secret(secrets, name, kind))
        return findings

    def _check_secret(self, secrets: Any, name: str, kind: str) -> Finding:
        prefix = self.target.slack_secret_prefix
        if not name.startswith(prefix):
            return Finding(
                Status.FAIL,
                "slack-secret",
                f"Slack {kind} secret {name} is outside SlackSecretNamePrefix {prefix!r}: NotifyFunction may "
                "not read it",
                f"move the secret under {prefix} or deploy with SlackSecretNamePrefix set to cover it",
            )
        try:
            described = secrets.describe_secret(SecretId=name)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            return Finding(
                Status.FAIL,
                "slack-secret",
                f"Slack {kind} secret {name} does not exist in {self.region}: no Slack alert can be sent",
                f"aws secretsmanager create-secret --name {name} --secret-string '<the {kind}>'",
            )
        if described.get("DeletedDate"):
            return Finding(
                Status.FAIL,
                "slack-secret",
                f"Slack {kind} secret {name} is scheduled for deletion",
                f"aws secretsmanager restore-secret --secret-id {name}",
            )
        value = secrets.get_secret_value(SecretId=name)
        problem = _secret_shape_problem(value.get("SecretString"), kind)
        if problem:
            example = "https://hooks.slack.com/services/..." if kind == "webhook" else "xoxb-..."
            return Finding(
                Status.FAIL,
                "slack-secret",
                f"Slack {kind} secret {name} {problem}",
                f"put the {kind} as the secret's value ({example}) or as JSON "
                f"{{{json.dumps((WEBHOOK_URL_KEYS if kind == 'webhook' else BOT_TOKEN_KEYS)[0])}: ...}}",
            )
        return Finding(Status.OK, "slack-secret", f"Slack {kind} secret {name} exists and holds a {kind}")

    # -- the alert topic --------------------------------------------------------------------

    def check_alert_topic(self) -> list[Finding]:
        topic = self.target.alert_topic_arn
        if not topic:
            return [
                Finding(
                    Status.WARN,
                    "alert-topic",
                    "could not check the alert topic: the stack is not deployed and no --alert-topic-arn was given",
                    "pass --alert-topic-arn <AlertTopicArn output>, or --stack <name>",
                )
            ]
        try:
            attributes = self.clients("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
        except ClientError as exc:
            if _code(exc) != "NotFound":
                raise
            return [
                Finding(
                    Status.FAIL,
                    "alert-topic",
                    f"alert topic {topic} does not exist: every alarm's action goes nowhere",
                    "redeploy the stack (AlertTopic), or pass the right --alert-topic-arn",
                )
            ]
        key = attributes.get("KmsMasterKeyId")
        if not key:
            return [Finding(Status.OK, "alert-topic", f"alert topic {topic} is not encrypted: CloudWatch can publish")]
        cannot = "CloudWatch alarms cannot publish to the alert topic, so no alert is ever sent"
        if key.endswith("alias/aws/sns"):
            return [
                Finding(
                    Status.FAIL,
                    "alert-topic",
                    f"{cannot}: it is encrypted with the AWS-managed key aws/sns, whose policy cannot let "
                    "CloudWatch use it",
                    "encrypt the topic with a customer-managed key that allows cloudwatch.amazonaws.com "
                    "kms:Decrypt and kms:GenerateDataKey* (the stack's TopicKey does)",
                )
            ]
        kms = self.clients("kms")
        metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
        if metadata.get("KeyState") != "Enabled":
            return [
                Finding(
                    Status.FAIL,
                    "alert-topic",
                    f"{cannot}: its KMS key {metadata.get('KeyId')} is {metadata.get('KeyState')}",
                    f"aws kms enable-key --key-id {metadata.get('KeyId')} (or cancel its deletion)",
                )
            ]
        policy = json.loads(kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"])
        needed = ("kms:Decrypt", "kms:GenerateDataKey")
        if any(_allows(s, "cloudwatch.amazonaws.com", needed) for s in _as_list(policy.get("Statement"))):
            return [
                Finding(
                    Status.OK,
                    "alert-topic",
                    f"the alert topic's KMS key {metadata['KeyId']} lets CloudWatch publish",
                )
            ]
        return [
            Finding(
                Status.FAIL,
                "alert-topic",
                f"{cannot}: the policy of its KMS key {metadata['KeyId']} does not allow cloudwatch.amazonaws.com "
                "kms:Decrypt and kms:GenerateDataKey*",
                "add a key policy statement: Effect Allow, Principal {Service: cloudwatch.amazonaws.com}, "
                "Action [kms:Decrypt, kms:GenerateDataKey*], Resource * (as the stack's TopicKey has)",
            )
        ]

    # -- metrics: can every alarm receive data? ----------------------------------------------

    def check_metrics(self) -> list[Finding]:
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.sagemaker import SageMakerEndpoints
        from sagewatch.core.fleet.plan import group_alarms

        if self.desired is None:
            return []
        cloudwatch = self.clients("cloudwatch")
        listed = SageMakerEndpoints(self.clients("sagemaker")).list_endpoints()
        existing = group_alarms(self.target.prefix, CloudWatchWriter(cloudwatch).list_alarms(f"{self.target.prefix}/"))
        findings: list[Finding] = []
        in_service = sorted(e.name for e in listed if e.status == "InService")
        if not in_service:
            findings.append(Finding(Status.OK, "metrics", f"no InService endpoint in {self.region} to check"))
        for name in in_service:
            kind, specs = self.desired(name)
            findings.extend(self._check_endpoint(cloudwatch, name, kind, specs, existing.get(name, {})))
        for gone in sorted(set(existing) - {e.name for e in listed}):
            names = sorted(existing[gone])
            findings.append(
                Finding(
                    Status.FAIL,
                    "metrics",
                    f"{len(names)} alarm(s) of endpoint {gone}, which no longer exists, can never fire: "
                    + ", ".join(names),
                    f"sagewatch remove {gone} (the daily reconcile also removes them)",
                )
            )
        return findings

    def _check_endpoint(
        self,
        cloudwatch: Any,
        endpoint: str,
        kind: str,
        specs: Sequence[AlarmSpec],
        existing: Mapping[str, Mapping[str, Any]],
    ) -> list[Finding]:
        if not specs:
            return [Finding(Status.OK, "metrics", f"{endpoint} ({kind}): SageWatch creates no alarm for it")]
        published = self._published_metrics(cloudwatch, endpoint, specs)
        findings: list[Finding] = []
        missing_alarms = [s.name for s in specs if s.name not in existing]
        if len(missing_alarms) == len(specs):
            findings.append(
                Finding(
                    Status.WARN,
                    "metrics",
                    f"{endpoint} ({kind}) has none of its {len(specs)} SageWatch alarms: it is not monitored",
                    f"sagewatch sync {endpoint} (or check that OnboardFunction receives its events)",
                )
            )
        elif missing_alarms:
            findings.append(
                Finding(
                    Status.WARN,
                    "metrics",
                    f"{endpoint} ({kind}) lacks {len(missing_alarms)} of its alarms: " + ", ".join(missing_alarms),
                    f"sagewatch sync {endpoint}",
                )
            )
        problems = [f for f in (self._check_alarm(spec, published) for spec in specs) if f is not None]
        # "Nothing to evaluate" is said only of alarms that exist: one not created yet is already
        # reported missing above, and has had nothing to evaluate by not existing.
        idle = [f for f in problems if f.status is Status.WARN and f.what in existing]
        findings.extend(f for f in problems if f.status is not Status.WARN)
        if idle:
            # One line for an endpoint that has published nothing yet, not one per alarm.
            findings.append(
                Finding(
                    Status.WARN,
                    "metrics",
                    f"{endpoint} ({kind}): {len(idle)} alarm(s) have had nothing to evaluate, no data in "
                    f"{LIST_METRICS_LOOKBACK} (a new or idle endpoint?): " + ", ".join(f.what for f in idle),
                    "run sagewatch doctor again once the endpoint has served traffic",
                )
            )
        if not problems:
            findings.append(
                Finding(
                    Status.OK,
                    "metrics",
                    f"{endpoint} ({kind}): every metric its {len(specs)} alarms read is published "
                    "with the expected dimensions",
                )
            )
        return findings

    def _published_metrics(self, cloudwatch: Any, endpoint: str, specs: Sequence[AlarmSpec]) -> set[MetricKey]:
        """Every metric of this endpoint (and its inference components) in the last two weeks."""
        filters: list[tuple[str, str, str]] = [(ns, "EndpointName", endpoint) for ns in ENDPOINT_NAMESPACES]
        components = sorted(
            {v for s in specs for m in _metrics_of(s) for k, v in m.dimensions if k == "InferenceComponentName"}
        )
        filters += [(ns, "InferenceComponentName", c) for c in components for ns in COMPONENT_NAMESPACES]
        if any(m.namespace in MODEL_MONITOR_NAMESPACES for s in specs for m in _metrics_of(s)):
            # Drift alarms read Model Monitor's metrics: every documented spelling of their
            # namespace and endpoint dimension (core.model_monitor.schedules), so an alarm that
            # reads one while the schedule publishes in another is named as one that cannot fire.
            filters += sorted({(loc.namespace, loc.endpoint_dimension, endpoint) for loc in DRIFT_METRIC_LOCATIONS})
        published: set[MetricKey] = set()
        for namespace, dimension, value in filters:
            pages = cloudwatch.get_paginator("list_metrics").paginate(
                Namespace=namespace, Dimensions=[{"Name": dimension, "Value": value}]
            )
            for page in pages:
                for metric in page.get("Metrics", []):
                    dims = frozenset((str(d["Name"]), str(d["Value"])) for d in metric.get("Dimensions", []))
                    published.add((str(metric["Namespace"]), str(metric["MetricName"]), dims))
        return published

    def _check_alarm(self, spec: AlarmSpec, published: set[MetricKey]) -> Finding | None:
        """None when the alarm can receive data; otherwise what is wrong with which metric."""
        for metric in _metrics_of(spec):
            dims = frozenset(metric.dimensions)
            if (metric.namespace, metric.name, dims) in published:
                continue
            # The same metric in another namespace, or by more or fewer dimensions of this variant
            # (another variant's series, by the same dimension names, is no evidence).
            elsewhere = sorted(
                (ns, d)
                for ns, name, d in published
                if name == metric.name and (ns, d) != (metric.namespace, dims) and (dims <= d or d <= dims)
            )
            reads = f"{metric.namespace} {metric.name} by {_dims_text(dims)}"
            if elsewhere:
                where = "; ".join(f"{ns} by {_dims_text(d)}" for ns, d in elsewhere)
                return Finding(
                    Status.FAIL,
                    "metrics",
                    f"alarm {spec.name} can never fire: it reads {reads}, but this endpoint publishes "
                    f"{metric.name} in {where}",
                    f"report it (docs/alarms.md, 'Where the metrics live'); until fixed, tag the endpoint "
                    f"sagewatch:alarm:{spec.key}=off",
                )
            if metric.name in EVENT_ONLY_METRICS:
                continue  # published only when it happens (a cold start, a failed request)
            neighbours = sorted(
                name for ns, name, d in published if ns == metric.namespace and d == dims and name != metric.name
            )
            if neighbours:
                return Finding(
                    Status.FAIL,
                    "metrics",
                    f"alarm {spec.name} can never fire as things stand: it reads {reads}, which had no data in "
                    f"{LIST_METRICS_LOOKBACK} while {', '.join(neighbours[:4])} did",
                    f"check the metric in the CloudWatch console; if this endpoint kind does not publish it, "
                    f"tag sagewatch:alarm:{spec.key}=off and report it",
                )
            return Finding(Status.WARN, "metrics", spec.name)  # folded into one line per endpoint
        return None

    # -- traffic: can every percentile alarm be evaluated at the traffic it sees? -------------

    def check_alarm_samples(self) -> list[Finding]:
        """Name every SageWatch percentile alarm with EvaluateLowSampleCountPercentile=ignore whose
        periods hold fewer samples than CloudWatch needs at its quiet-hour traffic ("Percentile-based
        alarms and low data samples"): CloudWatch keeps its state, so it can never fire then. One
        GetMetricData (hourly SampleCount over 14 days) for all of them."""
        from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
        from sagewatch.adapters.cloudwatch.metric_history import MetricHistory
        from sagewatch.core.monitoring.latency_fit import HISTORY_DAYS, fit_latency, samples_needed
        from sagewatch.core.shared.naming import parse_alarm_name
        from sagewatch.usecases.latency_traffic import series_quiet_rates

        cloudwatch = self.clients("cloudwatch")
        alarms = [
            a
            for a in CloudWatchWriter(cloudwatch).list_alarms(f"{self.target.prefix}/")
            if str(a.get("ExtendedStatistic") or "").startswith("p")
            and a.get("EvaluateLowSampleCountPercentile") == "ignore"
            and a.get("MetricName")
        ]
        if not alarms:
            return [Finding(Status.OK, "alarm-samples", "no percentile alarm that ignores low sample counts")]

        def series(alarm: Mapping[str, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
            dims = tuple(sorted((str(d["Name"]), str(d["Value"])) for d in alarm.get("Dimensions") or ()))
            return str(alarm["Namespace"]), str(alarm["MetricName"]), dims

        rates = series_quiet_rates(MetricHistory(cloudwatch), [series(a) for a in alarms], datetime.now(UTC))
        findings: list[Finding] = []
        for alarm in alarms:
            rate = rates.get(series(alarm))
            statistic = str(alarm["ExtendedStatistic"])
            needed = samples_needed(float(statistic[1:])) if statistic[1:].replace(".", "", 1).isdigit() else None
            if rate is None or needed is None:
                continue  # traffic not known yet (under a day of active hours in 14 days)
            period = int(alarm.get("Period") or 60)
            per_period = rate * period / 60
            if per_period >= needed:
                continue
            name = str(alarm["AlarmName"])
            parsed = parse_alarm_name(self.target.prefix, name)
            endpoint = parsed[0] if parsed else "ENDPOINT"
            better = fit_latency(rate).chosen
            findings.append(
                Finding(
                    Status.FAIL,
                    "alarm-samples",
                    f"alarm {name} cannot fire at the traffic observed: {statistic} over {period} s needs "
                    f"{needed:,.0f} samples a period, and its quiet hour brings about {per_period:,.1f} "
                    f"(the last {HISTORY_DAYS} days); CloudWatch keeps its state "
                    "(EvaluateLowSampleCountPercentile=ignore)",
                    f"sagewatch sync {endpoint} re-fits it to its traffic ({better.describe()}; docs/alarms.md, "
                    "'The latency alarm, fitted to traffic'); the daily reconcile does too",
                )
            )
        if not findings:
            findings.append(
                Finding(
                    Status.OK,
                    "alarm-samples",
                    f"each of {len(alarms)} percentile alarm(s) gets the samples it needs at its traffic",
                )
            )
        return findings


def _secret_shape_problem(raw: Any, kind: str) -> str | None:
    """What is wrong with a Slack secret's value (never quoting it), or None when it fits."""
    if not isinstance(raw, str) or not raw.strip():
        return "holds no text value"
    text = raw.strip()
    keys = WEBHOOK_URL_KEYS if kind == "webhook" else BOT_TOKEN_KEYS
    if text.startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            return "looks like JSON but does not parse"
        if not isinstance(document, dict):
            return "holds JSON that is not an object"
        found = next((document[k] for k in keys if isinstance(document.get(k), str) and document[k]), None)
        if found is None:
            return f"holds a JSON object without {' or '.join(keys)}"
        text = str(found).strip()
    if kind == "webhook" and not text.startswith(("https://", "http://")):
        return "does not hold an http(s) webhook URL"
    if kind == "bot token" and not text.startswith("xox"):
        return "does not hold a Slack token (xoxb-...)"
    return None


def desired_from_onboarding(clients: Clients, target: Target) -> Callable[[str], tuple[str, Sequence[AlarmSpec]]]:
    """Endpoint name → (kind, desired alarms), exactly as onboarding decides (policy, tags, builder)."""
    from sagewatch.config import MonitoringConfig
    from sagewatch.wiring import Wiring
    from sagewatch_cli.operator import operator

    config = MonitoringConfig(
        name_prefix=target.prefix,
        alert_topic_arn=target.alert_topic_arn,
        create_alarms=True,
        create_dashboards=False,  # only the alarms matter here; desired() makes no AWS call
        policy_parameter=target.policy_parameter,
    )
    # Read-only: desired() writes nothing.
    onboarding = operator(Wiring(clients), config, write_tps=0).onboarding

    def desired(endpoint: str) -> tuple[str, Sequence[AlarmSpec]]:
        profile = onboarding.read_profile(endpoint)  # as onboarding reads it: drift features included
        specs, _body, _notes = onboarding.desired(profile)
        return profile.kind, specs

    return desired


def emulate_public_powertools_parameter(account: Any, parameter: str = POWERTOOLS_PARAMETER) -> None:
    """Emulator gap (moto 5.2): AWS publishes the Powertools layer parameters under /aws/service in
    every region; moto has none and refuses PutParameter under /aws. Put one into moto's store."""
    from datetime import UTC, datetime

    from moto.ssm.models import Parameter, ssm_backends

    arn = f"arn:aws:lambda:{account.region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:1"
    backend = ssm_backends[account.account_id][account.region]
    backend._parameters[parameter].append(
        Parameter(  # type: ignore[abstract]  # moto's own class, used as moto uses it
            account_id=account.account_id,
            name=parameter,
            value=arn,
            parameter_type="String",
            description=None,
            allowed_pattern=None,
            keyid=None,
            last_modified_date=datetime.now(UTC),
            version=1,
            data_type="text",
        )
    )


# --- report ------------------------------------------------------------------------------------

EXIT_HEALTHY = 0
EXIT_FAILURES = 1
EXIT_WARNINGS = 3

_LABEL = {Status.OK: " ok ", Status.WARN: "warn", Status.FAIL: "FAIL"}


def exit_code(findings: Sequence[Finding]) -> int:
    """0 all ok, 1 at least one failure, 3 warnings but no failure (2 is the CLI's usage error)."""
    statuses = {f.status for f in findings}
    if Status.FAIL in statuses:
        return EXIT_FAILURES
    if Status.WARN in statuses:
        return EXIT_WARNINGS
    return EXIT_HEALTHY


def report(findings: Sequence[Finding]) -> str:
    lines: list[str] = []
    for finding in findings:
        lines.append(f"[{_LABEL[finding.status]}] {finding.check}: {finding.what}")
        if finding.fix and finding.status is not Status.OK:
            lines.append(f"       fix: {finding.fix}")
    counts = {s: sum(1 for f in findings if f.status is s) for s in Status}
    lines.append(f"\n{counts[Status.OK]} ok, {counts[Status.WARN]} warning(s), {counts[Status.FAIL]} failure(s)")
    return "\n".join(lines)
