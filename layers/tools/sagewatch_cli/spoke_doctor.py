"""``sagewatch doctor --spoke ACCOUNT[:REGION]``: one spoke checked from the hub's side.

What docs/hub-and-spokes.md says a spoke needs, each piece read (never written) and named with
its fix when it is missing:

- ``spoke-role``: the role ``<prefix>-spoke-<region>`` exists in the spoke and its trust policy
  admits every hub function role with the hub's external ID (and organization);
- ``spoke-forwarding``: the four forwarding rules are on the spoke's default bus, enabled, each
  targeting the hub's bus with a role (and a dead-letter queue);
- ``hub-bus-policy``: the hub's default bus admits ``events:PutEvents`` from the spoke account;
- ``spoke-topic``: the spoke's ``<prefix>-spoke-alerts`` topic exists and the hub's AlertQueue is
  subscribed to it (confirmed);
- ``hub-queue-policy``: the hub's AlertQueue admits that topic's deliveries.

Policies are judged by the same evaluator the emulated world enforces them with
(``sagewatch_emulator.world.policy``: IAM's documented evaluation, pure). The spoke's side is read
through ``spoke_clients``: the command assumes the organization's access role in the spoke
(``OrganizationAccountAccessRole`` unless told otherwise) — the hub's own role cannot read rules,
topics or roles, and cannot be assumed by a person (it requires the external ID).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from sagewatch_cli.doctor import Finding, Status
from sagewatch_emulator.world.policy import Request, evaluate, role_principal, service_principal

__all__ = ["FORWARDED_DETAIL_TYPES", "Hub", "SpokeDoctor", "hub_from_stack", "parse_spoke"]

RegionalClients = Callable[[str, str], Any]  # (service, region) -> boto3 client

# The detail-types of the hub's OnboardFunction rules that spoke.yaml forwards (tests/template
# checks spoke.yaml against template.yaml; tests/unit/cli checks this list against spoke.yaml).
FORWARDED_DETAIL_TYPES = (
    "SageMaker Endpoint State Change",
    "SageMaker Processing Job State Change",
    "SageMaker Monitoring Schedule State Change",
    "AWS API Call via CloudTrail",
)


def parse_spoke(text: str) -> tuple[str, str | None]:
    """``ACCOUNT`` or ``ACCOUNT:REGION`` → (account, region or None); ValueError names the mistake."""
    account, _, region = text.partition(":")
    if not (len(account) == 12 and account.isdigit()):
        raise ValueError(f"expected a 12-digit account ID, optionally followed by :REGION, got {text!r}")
    if ":" in text and not region:
        raise ValueError(f"no region after ':' in {text!r}")
    return account, region or None


@dataclass(frozen=True)
class Hub:
    """What the checks need of the hub: its stack's outputs and parameters, and the external ID."""

    account_id: str
    region: str
    prefix: str
    bus_arn: str
    queue_arn: str
    function_role_arns: tuple[str, ...]
    external_id: str | None = None


def hub_from_stack(
    parameters: dict[str, str], outputs: dict[str, str], *, account_id: str, region: str, external_id: str | None
) -> Hub:
    roles = tuple(r for r in (outputs.get("HubFunctionRoleArns") or "").split(",") if r)
    return Hub(
        account_id=account_id,
        region=region,
        prefix=parameters.get("NamePrefix") or "SageWatch",
        bus_arn=outputs.get("HubEventBusArn") or f"arn:aws:events:{region}:{account_id}:event-bus/default",
        queue_arn=outputs.get("AlertQueueArn", ""),
        function_role_arns=roles,
        external_id=external_id,
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class SpokeDoctor:
    """The checks of one spoke account-region; ``hub_clients`` act as the hub, ``spoke_clients``
    read the spoke (None: the spoke could not be read, its checks are warnings)."""

    def __init__(
        self,
        hub: Hub,
        account_id: str,
        region: str,
        *,
        hub_clients: RegionalClients,
        spoke_clients: Callable[[str], Any] | None,
        spoke_unreadable: str = "",
    ) -> None:
        self.hub, self.account_id, self.region = hub, account_id, region
        self._hub = hub_clients
        self._spoke = spoke_clients
        self._unreadable = spoke_unreadable
        self.role_name = f"{hub.prefix}-spoke-{region}"
        self.topic_arn = f"arn:{hub.bus_arn.split(':')[1]}:sns:{region}:{account_id}:{hub.prefix}-spoke-alerts"
        self.organization_id = self._organization()

    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        if self._spoke is None:
            findings.append(
                Finding(
                    Status.WARN,
                    "spoke-access",
                    f"cannot read account {self.account_id}: {self._unreadable}",
                    "pass --spoke-access-role with a role of the spoke the hub's credentials may assume",
                )
            )
        else:
            findings += self._role()
            findings += self._forwarding()
            findings += self._topic()
        findings += self._bus_policy()
        findings += self._subscription()
        findings += self._queue_policy()
        return findings

    # -- the organization --

    def _organization(self) -> str | None:
        """The organization of the spoke account, as the hub (management or delegated admin) sees it."""
        organizations = self._hub("organizations", self.hub.region)
        try:
            organizations.describe_account(AccountId=self.account_id)
            return str(organizations.describe_organization()["Organization"]["Id"])
        except ClientError:
            return None  # not a member, or the hub may not read Organizations: judged without it

    def _spoke_principal_context(self) -> dict[str, str]:
        """The condition keys of a request made by a principal of the spoke account."""
        context = {"aws:PrincipalAccount": self.account_id}
        if self.organization_id:
            context["aws:PrincipalOrgID"] = self.organization_id
        return context

    # -- the spoke's side --

    def _role(self) -> list[Finding]:
        assert self._spoke is not None
        try:
            role = self._spoke("iam").get_role(RoleName=self.role_name)["Role"]
        except ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise
            return [
                Finding(
                    Status.FAIL,
                    "spoke-role",
                    f"no role {self.role_name} in account {self.account_id}",
                    f"deploy docs/spoke/spoke.yaml in {self.account_id} {self.region} (docs/hub-and-spokes.md)",
                )
            ]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        hub_org = self._hub_organization()
        refused = []
        for role_arn in self.hub.function_role_arns:
            context: dict[str, str] = {"aws:PrincipalAccount": self.hub.account_id}
            if hub_org:
                context["aws:PrincipalOrgID"] = hub_org
            if self.hub.external_id:
                context["sts:ExternalId"] = self.hub.external_id
            if not evaluate(trust, Request(role_principal(role_arn), "sts:AssumeRole", role["Arn"], context)).allowed:
                refused.append(role_arn.rsplit("/", 1)[-1])
        if refused:
            return [
                Finding(
                    Status.FAIL,
                    "spoke-role",
                    f"{self.role_name} does not trust {', '.join(refused)} with the hub's external ID",
                    "update the spoke stack: HubFunctionRoleArns = the hub's output, ExternalId = the hub's value",
                )
            ]
        found = [Finding(Status.OK, "spoke-role", f"{self.role_name} trusts the hub's function roles")]
        if not self.hub.external_id:
            found.append(
                Finding(Status.WARN, "spoke-role", "trust judged without the external ID", "pass --external-id")
            )
        return found

    def _hub_organization(self) -> str | None:
        try:
            return str(self._hub("organizations", self.hub.region).describe_organization()["Organization"]["Id"])
        except ClientError:
            return None

    def _forwarding(self) -> list[Finding]:
        assert self._spoke is not None
        events = self._spoke("events")
        by_type: dict[str, list[dict[str, Any]]] = {}
        for rule in events.list_rules(EventBusName="default").get("Rules", []):
            pattern = json.loads(rule.get("EventPattern") or "{}")
            if rule.get("State") != "ENABLED":
                continue
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName="default").get("Targets", [])
            for detail_type in pattern.get("detail-type", []):
                by_type.setdefault(detail_type, []).extend(targets)
        findings = []
        for detail_type in FORWARDED_DETAIL_TYPES:
            to_hub = [t for t in by_type.get(detail_type, []) if t.get("Arn") == self.hub.bus_arn]
            if not to_hub:
                findings.append(
                    Finding(
                        Status.FAIL,
                        "spoke-forwarding",
                        f"no enabled rule forwards {detail_type!r} to {self.hub.bus_arn}",
                        f"update the spoke stack in {self.account_id} {self.region}: HubEventBusArn={self.hub.bus_arn}",
                    )
                )
            elif not all(t.get("RoleArn") for t in to_hub):
                findings.append(
                    Finding(
                        Status.FAIL,
                        "spoke-forwarding",
                        f"the {detail_type!r} rule's target has no RoleArn (another account's bus needs one)",
                        "redeploy docs/spoke/spoke.yaml (its targets name ForwardingRole)",
                    )
                )
            elif not all(t.get("DeadLetterConfig") for t in to_hub):
                findings.append(
                    Finding(
                        Status.WARN,
                        "spoke-forwarding",
                        f"the {detail_type!r} rule has no dead-letter queue: refused events would be lost",
                        "redeploy docs/spoke/spoke.yaml (ForwardingDeadLetterQueue)",
                    )
                )
        if not findings:
            findings.append(Finding(Status.OK, "spoke-forwarding", f"4 rules forward to {self.hub.bus_arn}"))
        return findings

    def _topic(self) -> list[Finding]:
        assert self._spoke is not None
        try:
            self._spoke("sns").get_topic_attributes(TopicArn=self.topic_arn)
        except ClientError as exc:
            if _code(exc) not in ("NotFound", "NotFoundException"):
                raise
            return [
                Finding(
                    Status.FAIL,
                    "spoke-topic",
                    f"no topic {self.topic_arn}",
                    f"deploy docs/spoke/spoke.yaml in {self.account_id} {self.region}",
                )
            ]
        return [Finding(Status.OK, "spoke-topic", f"{self.topic_arn} exists")]

    # -- the hub's side --

    def _bus_policy(self) -> list[Finding]:
        if self.account_id == self.hub.account_id:  # within one account the role's own permission suffices
            return [Finding(Status.OK, "hub-bus-policy", "the spoke is the hub's own account: no bus policy needed")]
        bus_name = self.hub.bus_arn.rsplit("/", 1)[-1]
        policy = self._hub("events", self.hub.region).describe_event_bus(Name=bus_name).get("Policy")
        sender = role_principal(f"arn:aws:iam::{self.account_id}:role/forwarding")  # any role of the spoke
        request = Request(sender, "events:PutEvents", self.hub.bus_arn, self._spoke_principal_context())
        if evaluate(policy, request).allowed:
            return [Finding(Status.OK, "hub-bus-policy", f"the hub's bus admits account {self.account_id}")]
        return [
            Finding(
                Status.FAIL,
                "hub-bus-policy",
                f"the hub's bus policy does not admit account {self.account_id}: its events are dead-lettered",
                f"deploy the hub with SpokeOrganizationId={self.organization_id}"
                if self.organization_id
                else f"add {self.account_id} to the hub's SpokeAccountIds (or its organization to SpokeOrganizationId)",
            )
        ]

    def _subscription(self) -> list[Finding]:
        sns = self._hub("sns", self.region)  # the hub's own subscriptions, in the topic's region
        pages = sns.get_paginator("list_subscriptions").paginate()
        subscriptions = [s for page in pages for s in page.get("Subscriptions", [])]
        ours = [s for s in subscriptions if s.get("TopicArn") == self.topic_arn and s.get("Protocol") == "sqs"]
        to_queue = [s for s in ours if s.get("Endpoint") == self.hub.queue_arn]
        fix = (
            f"from the hub account: aws sns subscribe --region {self.region} --topic-arn {self.topic_arn} "
            f"--protocol sqs --notification-endpoint {self.hub.queue_arn}"
        )
        if not to_queue:
            return [
                Finding(
                    Status.FAIL, "hub-subscription", f"the hub's AlertQueue is not subscribed to {self.topic_arn}", fix
                )
            ]
        if all(s.get("SubscriptionArn") == "PendingConfirmation" for s in to_queue):
            return [Finding(Status.FAIL, "hub-subscription", "the subscription waits for a confirmation", fix)]
        return [Finding(Status.OK, "hub-subscription", f"the hub's AlertQueue is subscribed to {self.topic_arn}")]

    def _queue_policy(self) -> list[Finding]:
        sqs = self._hub("sqs", self.hub.region)
        name = self.hub.queue_arn.rsplit(":", 1)[-1]
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
        context = {"aws:SourceArn": self.topic_arn, "aws:SourceAccount": self.account_id}
        if self.organization_id:
            context["aws:SourceOrgID"] = self.organization_id
        request = Request(service_principal("sns.amazonaws.com"), "sqs:SendMessage", self.hub.queue_arn, context)
        if evaluate(policy, request).allowed:
            return [Finding(Status.OK, "hub-queue-policy", f"the hub's AlertQueue admits {self.topic_arn}")]
        return [
            Finding(
                Status.FAIL,
                "hub-queue-policy",
                f"the hub's AlertQueue policy does not admit {self.topic_arn}: its alarms never reach the hub",
                f"deploy the hub with SpokeOrganizationId={self.organization_id}"
                if self.organization_id
                else f"add {self.account_id} to the hub's SpokeAccountIds",
            )
        ]


# ---------------------------------------------------------------- the command


def _report(findings: list[Finding]) -> int:
    from sagewatch_cli import doctor

    print(doctor.report(findings))
    return doctor.exit_code(findings)


def check_emulated(account_id: str, region: str | None, external_id: str | None) -> int:
    """``--emulated``: the sample world (sagewatch_simulator/sample_world.py), one spoke checked."""
    import sys

    from sagewatch_simulator.sample_world import SAMPLE_SPOKES, open_sample_world

    with open_sample_world() as world:
        where = region or world.hub.region
        spokes = "; ".join(f"{a} {r} ({what})" for a, r, what in SAMPLE_SPOKES)
        print(f"emulated world: hub {world.hub_account_id} {world.hub.region}; spokes {spokes}", file=sys.stderr)
        hub = hub_from_stack(
            {k: str(v) for k, v in world.hub.stack.parameters.items()},
            {k: str(v) for k, v in world.hub_outputs.items()},
            account_id=world.hub_account_id,
            region=world.hub.region,
            external_id=external_id or world.external_id,
        )
        checker = SpokeDoctor(
            hub,
            account_id,
            where,
            hub_clients=lambda service, r: world.client(service, region=r),
            spoke_clients=lambda service: world.client(service, account_id=account_id, region=where),
        )
        return _report(checker.run())


def check_in_aws(
    account_id: str,
    region: str | None,
    *,
    profile: str | None,
    hub_region: str | None,
    endpoint_url: str | None,
    stack: str,
    external_id: str | None,
    access_role: str,
) -> int:
    """From the hub's credentials: the hub's stack read, the spoke read through ``access_role``."""
    import boto3

    from sagewatch_cli import doctor
    from sagewatch_cli.connection import CLI_CLIENT_CONFIG, open_session
    from sagewatch_cli.errors import CommandError

    client, chosen = open_session(profile, hub_region, endpoint_url)  # checks profile and region
    session = boto3.session.Session(profile_name=profile, region_name=chosen)

    def hub_clients(service: str, where: str) -> Any:
        return session.client(service, region_name=where, endpoint_url=endpoint_url, config=CLI_CLIENT_CONFIG)  # type: ignore[call-overload]

    read = doctor.read_stack(client("cloudformation"), stack)
    if read is None:
        raise CommandError(f"sagewatch doctor: no stack {stack!r} in {chosen}: pass --stack (the hub's)", 2)
    hub_account = str(client("sts").get_caller_identity()["Account"])
    hub = hub_from_stack(*read, account_id=hub_account, region=chosen, external_id=external_id)
    where = region or chosen
    spoke_clients: Callable[[str], Any] | None = None
    unreadable = ""
    role_arn = f"arn:aws:iam::{account_id}:role/{access_role}"
    try:
        credentials = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="sagewatch-doctor")["Credentials"]
        spoke_session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=where,
        )

        def spoke_clients(service: str) -> Any:
            return spoke_session.client(service, endpoint_url=endpoint_url, config=CLI_CLIENT_CONFIG)  # type: ignore[call-overload]

    except ClientError as exc:
        unreadable = f"{role_arn}: {_code(exc)}"
    checker = SpokeDoctor(
        hub, account_id, where, hub_clients=hub_clients, spoke_clients=spoke_clients, spoke_unreadable=unreadable
    )
    return _report(checker.run())
