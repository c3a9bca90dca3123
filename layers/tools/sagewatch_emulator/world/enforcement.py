"""Resource and trust policies enforced across the emulated world's accounts, as AWS enforces them.

moto keeps every account's resources apart but evaluates no policy: any account's rule could put
events on any bus, any topic deliver to any queue, anyone assume any role. Installed by
:class:`~sagewatch_emulator.world.world.EmulatedWorld` (never by a single ``EmulatedAccount``),
removed when it closes. Each decision is :func:`.policy.evaluate`'s; the rules, with their
sources, are listed in docs/emulated-account.md ("The emulated world").

- **EventBridge, a rule whose target is an event bus of another account or region** ("Sending
  and receiving Amazon EventBridge events between AWS accounts"): the target needs a RoleArn; the
  role must trust ``events.amazonaws.com`` and allow ``events:PutEvents`` on the bus; the bus's
  policy must admit the sending account ("Cross-account policy evaluation logic": both sides).
  Refused events are not retried and go straight to the target's dead-letter queue ("Using
  dead-letter queues to process undelivered events in EventBridge"), with the RULE_ARN,
  TARGET_ARN, ERROR_CODE and ERROR_MESSAGE attributes; the DLQ's own policy must admit the rule.
  A delivered event keeps its ``account``, ``region``, ``id`` and ``time``.
- **SNS to SQS**: a message reaches a queue only when the queue's policy admits
  ``sns.amazonaws.com`` for that topic (``aws:SourceArn``, ``aws:SourceAccount``,
  ``aws:SourceOrgID``) — also within one account ("Sending Amazon SNS messages to an Amazon SQS
  queue in a different account"; "Fanout to Amazon SQS queues"). A subscription the queue's owner
  made in the topic's region delivers at once; one made by anyone else waits for a confirmation
  (the same page) and delivers nothing here. A cross-account Subscribe needs the topic policy.
- **STS AssumeRole**: the role must exist and its trust policy admit the caller, with the
  request's ``sts:ExternalId`` and the caller's ``aws:PrincipalOrgID``; otherwise AWS's
  ``AccessDenied`` ("User: ... is not authorized to perform: sts:AssumeRole on resource: ...").
  The caller's own identity policy is not evaluated (the hub's function roles are SAM's).
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.world.policy import (
    Principal,
    Request,
    combine,
    decide,
    evaluate,
    role_principal,
    service_principal,
)

__all__ = ["Enforcement", "Refusal", "install_enforcement"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """One request a policy refused (what a test or ``sagewatch doctor`` can see)."""

    kind: str  # "events-target", "events-dead-letter", "sns-to-sqs", "sns-subscribe", "sts-assume-role"
    source: str  # rule ARN, topic ARN, caller ARN
    target: str  # bus ARN, queue ARN, role ARN
    error_code: str
    message: str


@dataclass
class Enforcement:
    """What the installed policies decided: refusals, forwarded events, pending subscriptions."""

    organization_of: Callable[[str], str | None]
    refusals: list[Refusal] = field(default_factory=list)
    forwarded: list[dict[str, Any]] = field(default_factory=list)  # events a bus accepted from another account/region
    pending_confirmation: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, refusal: Refusal) -> None:
        _LOG.info("emulated world: %s refused: %s", refusal.kind, refusal.message)
        with self._lock:
            self.refusals.append(refusal)

    def of_kind(self, kind: str) -> list[Refusal]:
        with self._lock:
            return [r for r in self.refusals if r.kind == kind]

    def principal_context(self, principal: Principal) -> dict[str, str]:
        context = {"aws:PrincipalArn": principal.role_arn or principal.arn}
        if principal.account:
            context["aws:PrincipalAccount"] = principal.account
            org = self.organization_of(principal.account)
            if org:
                context["aws:PrincipalOrgID"] = org
        return context

    def source_context(self, source_arn: str) -> dict[str, str]:
        account = source_arn.split(":")[4]
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": account}
        org = self.organization_of(account)
        if org:
            context["aws:SourceOrgID"] = org
        return context


def install_enforcement(enforcement: Enforcement, extensions: MotoExtensions) -> None:
    _enforce_event_bus_targets(enforcement, extensions)
    _enforce_sns_to_sqs(enforcement, extensions)
    _enforce_assume_role(enforcement, extensions)
    extensions.installed.append("world: bus, queue, topic and trust policies enforced across accounts")


# ---------------------------------------------------------------- EventBridge


def _role(role_arn: str) -> Any:
    """The moto role of ``role_arn`` in its account, None when there is none."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    parts = role_arn.split(":")
    if len(parts) < 6:
        return None
    try:
        return iam_backends[parts[4]][parts[1]].get_role_by_arn(role_arn)
    except NotFoundException:
        return None


def _role_policies(role: Any) -> list[Any]:
    """The identity policies of a moto role: inline, then attached managed ones."""
    documents: list[Any] = list(role.policies.values())
    documents.extend(policy.document for policy in role.managed_policies.values())
    return documents


def _enforce_event_bus_targets(enforcement: Enforcement, extensions: MotoExtensions) -> None:
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        own_bus = f"arn:{self.arn.split(':')[1]}:events:{self.region_name}:{self.account_id}:event-bus/"
        elsewhere = [
            t
            for t in self.targets
            if ":event-bus/" in t["Arn"] and not t["Arn"].startswith(own_bus) and t["Arn"].split(":")[2] == "events"
        ]
        if not elsewhere:
            return original(self, original_event, transform_input)
        if not self.event_pattern.matches_event(original_event):
            return None
        for target in elsewhere:
            _forward(enforcement, self, target, dict(original_event))
        rest = [t for t in self.targets if t not in elsewhere]
        if rest:
            kept, self.targets = self.targets, rest
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = kept
        return None

    extensions.patch(Rule, "send_to_targets", send_to_targets)


def _forward(enforcement: Enforcement, rule: Any, target: Mapping[str, Any], event: dict[str, Any]) -> None:
    from moto.events.models import events_backends

    bus_arn = str(target["Arn"])
    _, _, _, region, account, resource = bus_arn.split(":", 5)
    refusal = None
    bus = events_backends[account][region].event_buses.get(resource.removeprefix("event-bus/"))
    role_arn = target.get("RoleArn")
    if not role_arn:
        refusal = ("NO_PERMISSIONS", f"target {bus_arn} of rule {rule.arn} has no RoleArn (needed for another account)")
    else:
        role = _role(str(role_arn))
        trust = Request(service_principal("events.amazonaws.com"), "sts:AssumeRole", str(role_arn))
        trust = Request(trust.principal, trust.action, trust.resource, enforcement.source_context(rule.arn))
        caller = role_principal(str(role_arn))
        put = Request(caller, "events:PutEvents", bus_arn, enforcement.principal_context(caller))
        if role is None or not evaluate(role.assume_role_policy_document, trust).allowed:
            refusal = ("FAILED_TO_ASSUME_ROLE", f"EventBridge cannot assume {role_arn} for rule {rule.arn}")
        elif bus is None:
            refusal = ("NO_RESOURCE", f"no event bus {bus_arn}")
        else:
            identity = combine(*(evaluate(d, put, resource_policy=False) for d in _role_policies(role)))
            admitted = evaluate(bus.policy, put)
            if not decide(identity, admitted, cross_account=account != rule.account_id).allowed:
                refusal = (
                    "NO_PERMISSIONS",
                    f"{role_arn} is not allowed events:PutEvents on {bus_arn}"
                    if not identity.allowed
                    else f"the policy of {bus_arn} does not admit account {rule.account_id}",
                )
    if refusal is not None or bus is None:
        code, message = refusal or ("NO_RESOURCE", f"no event bus {bus_arn}")
        enforcement.refuse(Refusal("events-target", rule.arn, bus_arn, code, message))
        _dead_letter(enforcement, rule, target, event, code, message)
        return
    event.pop("ingestion-time", None)  # moto's own field: no EventBridge event carries it
    with enforcement._lock:
        enforcement.forwarded.append(copy.deepcopy(event))
    for hub_rule in list(bus.rules.values()):
        hub_rule.send_to_targets(copy.deepcopy(event))  # type: ignore[arg-type]  # moto types it as a TypedDict


def _dead_letter(
    enforcement: Enforcement, rule: Any, target: Mapping[str, Any], event: Mapping[str, Any], code: str, message: str
) -> None:
    from moto.sqs.models import sqs_backends

    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not dlq:
        _LOG.warning("rule %s: event refused (%s) and no dead-letter queue: dropped, as on AWS", rule.arn, code)
        return
    _, _, _, region, account, name = str(dlq).split(":", 5)
    backend = sqs_backends[account][region]
    queue = backend.queues.get(name)
    request = Request(
        service_principal("events.amazonaws.com"), "sqs:SendMessage", str(dlq), enforcement.source_context(rule.arn)
    )
    allowed = queue is not None and evaluate(queue.policy, request).allowed
    if not allowed:
        enforcement.refuse(
            Refusal(
                "events-dead-letter", rule.arn, str(dlq), "NO_PERMISSIONS", f"{dlq} refuses the rule's dead letters"
            )
        )
        return
    attributes = {
        "RULE_ARN": rule.arn,
        "TARGET_ARN": str(target["Arn"]),
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message,
    }
    backend.send_message(
        name,
        json.dumps(event, default=str),
        message_attributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )


# ---------------------------------------------------------------- SNS to SQS


def _enforce_sns_to_sqs(enforcement: Enforcement, extensions: MotoExtensions) -> None:
    from moto.sns.exceptions import SNSException
    from moto.sns.models import SNSBackend, Subscription, sns_backends
    from moto.sqs.models import sqs_backends

    list_by_topic = SNSBackend.list_subscriptions_by_topic
    subscribe = SNSBackend.subscribe
    publish = Subscription.publish

    def list_subscriptions_by_topic(self: Any, topic_arn: str, next_token: str | None = None) -> Any:
        # Subscriptions are kept by the account that made them; the topic sees them all.
        own, token = list_by_topic(self, topic_arn, next_token)
        topic = self.get_topic(topic_arn)
        others = [
            sub
            for account, regions in list(sns_backends.items())
            if account != self.account_id and self.region_name in regions
            for sub in list(regions[self.region_name].subscriptions.values())
            if sub.topic is topic
        ]
        return [*own, *others], token

    def subscribe_checked(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        topic = self.get_topic(topic_arn)
        topic_account = topic_arn.split(":")[4]
        if topic_account != self.account_id:
            caller = Principal(f"arn:aws:iam::{self.account_id}:root", account=self.account_id)
            context = {**enforcement.principal_context(caller), "sns:Protocol": protocol, "sns:Endpoint": endpoint}
            if not evaluate(topic.policy, Request(caller, "sns:Subscribe", topic_arn, context)).allowed:
                message = f"User: {caller.arn} is not authorized to perform: SNS:Subscribe on resource: {topic_arn}"
                enforcement.refuse(Refusal("sns-subscribe", caller.arn, topic_arn, "AuthorizationError", message))
                raise SNSException("AuthorizationError", message)
        subscription = subscribe(self, topic_arn, endpoint, protocol)
        if protocol == "sqs" and endpoint.split(":")[4:5] != [self.account_id]:
            enforcement.pending_confirmation.add(subscription.arn)  # not the queue's owner: must be confirmed
        return subscription

    def publish_checked(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if self.protocol == "sqs":
            topic_arn = self.topic.arn
            if self.arn in enforcement.pending_confirmation:
                enforcement.refuse(
                    Refusal("sns-to-sqs", topic_arn, self.endpoint, "PendingConfirmation", f"{self.arn} unconfirmed")
                )
                return
            _, _, _, region, account, name = self.endpoint.split(":", 5)
            queue = sqs_backends[account][region].queues.get(name)
            request = Request(
                service_principal("sns.amazonaws.com"),
                "sqs:SendMessage",
                self.endpoint,
                enforcement.source_context(topic_arn),
            )
            if queue is not None and not evaluate(queue.policy, request).allowed:
                enforcement.refuse(
                    Refusal(
                        "sns-to-sqs",
                        topic_arn,
                        self.endpoint,
                        "AccessDenied",
                        f"the policy of {self.endpoint} does not admit {topic_arn}",
                    )
                )
                return
        publish(self, message, message_id, *args, **kwargs)

    extensions.patch(SNSBackend, "list_subscriptions_by_topic", list_subscriptions_by_topic)
    extensions.patch(SNSBackend, "subscribe", subscribe_checked)
    extensions.patch(Subscription, "publish", publish_checked)


# ---------------------------------------------------------------- STS


def caller_of(access_key: str) -> Principal:
    """Who signs with ``access_key``: a role session moto's STS issued, else the account's default user."""
    from moto.iam.models import get_account_id_from
    from moto.sts.models import sts_backends

    for account, partitions in list(sts_backends.items()):
        for backend in list(partitions.values()):
            session = backend.get_assumed_role_from_access_key(access_key)
            if session is not None:
                return Principal(session.arn, account=account, role_arn=session.role_arn)
    account = get_account_id_from(access_key)
    return Principal(f"arn:aws:iam::{account}:user/moto", account=account)


def _enforce_assume_role(enforcement: Enforcement, extensions: MotoExtensions) -> None:
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role

    def assume_role(self: Any) -> Any:
        role_arn = str(self._get_param("RoleArn"))
        external_id = self._get_param("ExternalId")
        caller = caller_of(self.get_access_key())
        role = _role(role_arn)
        context = enforcement.principal_context(caller)
        if external_id is not None:
            context["sts:ExternalId"] = str(external_id)
        request = Request(caller, "sts:AssumeRole", role_arn, context)
        if role is None or not evaluate(role.assume_role_policy_document, request).allowed:
            message = f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            enforcement.refuse(Refusal("sts-assume-role", caller.arn, role_arn, "AccessDenied", message))
            raise STSClientError("AccessDenied", message)  # STS's model has no shape for it: HTTP 400 here, 403 on AWS
        return original(self)

    extensions.patch(TokenResponse, "assume_role", assume_role)
