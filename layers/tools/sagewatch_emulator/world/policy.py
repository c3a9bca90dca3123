"""IAM policy evaluation, the part the emulated world enforces: pure, no moto, no boto3.

moto stores resource policies (bus, queue, topic, trust) but never evaluates them, and a wrong
policy is exactly how cross-account delivery fails silently on AWS. This module decides one
request against one policy document the way IAM documents it; the world's enforcement
(:mod:`.enforcement`) combines the decisions as AWS does. Sources (IAM user guide):

- "Policy evaluation logic" / "How AWS enforcement code logic evaluates requests to allow or
  deny access": everything is implicitly denied; a matching Allow allows; an explicit Deny in any
  applicable policy overrides every Allow.
- "Cross-account policy evaluation logic": across accounts the resource's policy **and** the
  caller's identity policy must both allow; within one account either suffices.
- "IAM JSON policy elements: Principal" / "AWS JSON policy elements: Principal": an account ID or
  ``arn:aws:iam::ACCOUNT:root`` means every principal of that account (as far as its own
  policies let it); a role ARN means the sessions of that role; ``"*"`` means everyone;
  ``{"Service": ...}`` a service principal.
- "IAM JSON policy elements: Condition operators": several values of one key are ORed, several
  keys and operators ANDed; a key missing from the request context makes the condition false
  (true for the negated operators); ``...IfExists`` is true when the key is missing; ``ArnLike``
  compares each of the six colon-delimited parts with ``*``/``?`` wildcards; ``StringLike`` takes
  ``*``/``?``; ``ForAnyValue:``/``ForAllValues:`` for keys with several values.
- "AWS global condition context keys": keys are case-insensitive (values are not).

A policy element this module does not know (``NotPrincipal``, numeric or date operators, policy
variables) raises :class:`PolicyError`: the emulator never guesses a decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "Decision",
    "PolicyError",
    "Principal",
    "Request",
    "account_principal",
    "combine",
    "decide",
    "evaluate",
    "role_principal",
    "service_principal",
]


class PolicyError(ValueError):
    """A policy the emulator cannot judge (an element or operator it does not evaluate)."""


class Decision(Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOW


@dataclass(frozen=True)
class Principal:
    """Who makes the request: an AWS principal (a role session, a user, an account) or a service."""

    arn: str  # arn:aws:iam::111122223333:role/name, ...:root, ...:user/x; or "sns.amazonaws.com"
    account: str | None = None  # None for a service principal
    role_arn: str | None = None  # the role whose session this is, if any
    service: bool = False


def role_principal(role_arn: str) -> Principal:
    """A session of ``role_arn`` (what the caller is after sts:AssumeRole or as a Lambda function)."""
    return Principal(role_arn, account=role_arn.split(":")[4], role_arn=role_arn)


def account_principal(account_id: str, partition: str = "aws") -> Principal:
    return Principal(f"arn:{partition}:iam::{account_id}:root", account=account_id)


def service_principal(name: str) -> Principal:
    return Principal(name, service=True)


@dataclass(frozen=True)
class Request:
    """One request: its principal, action (``events:PutEvents``), resource ARN, condition keys."""

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)

    def value(self, key: str) -> list[str] | None:
        """The context's values of ``key`` (case-insensitive), None when absent."""
        wanted = key.lower()
        for name, value in self.context.items():
            if name.lower() == wanted:
                return [value] if isinstance(value, str) else [str(v) for v in value]
        return None


def evaluate(policy: Mapping[str, Any] | str | None, request: Request, *, resource_policy: bool = True) -> Decision:
    """Decide ``request`` against one policy document (no policy: implicitly denied).

    ``resource_policy``: the statements name a Principal (bus, queue, topic, trust policies);
    identity policies have none and apply to their holder.
    """
    if policy is None or policy == "":
        return Decision.IMPLICIT_DENY
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not _applies(statement, request, resource_policy):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return Decision.EXPLICIT_DENY
        if effect != "Allow":
            raise PolicyError(f"statement {statement.get('Sid', '')!r}: Effect must be Allow or Deny, got {effect!r}")
        allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def combine(*decisions: Decision) -> Decision:
    """Several policies of one kind (a role's inline and managed ones): an explicit Deny in any
    wins, else one Allow allows, else implicitly denied."""
    if Decision.EXPLICIT_DENY in decisions:
        return Decision.EXPLICIT_DENY
    return Decision.ALLOW if Decision.ALLOW in decisions else Decision.IMPLICIT_DENY


def decide(identity: Decision, resource: Decision, *, cross_account: bool) -> Decision:
    """The identity policies' and the resource policy's decisions together: within one account
    either may allow ("Policy evaluation for requests within a single account"); across accounts
    both must ("Cross-account policy evaluation logic"); an explicit Deny always wins."""
    if Decision.EXPLICIT_DENY in (identity, resource):
        return Decision.EXPLICIT_DENY
    allowed = (identity.allowed and resource.allowed) if cross_account else (identity.allowed or resource.allowed)
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _applies(statement: Mapping[str, Any], request: Request, resource_policy: bool) -> bool:
    if "NotPrincipal" in statement:
        raise PolicyError("NotPrincipal is not evaluated by the emulator")
    if resource_policy:
        if "Principal" not in statement:
            raise PolicyError(f"statement {statement.get('Sid', '')!r} of a resource policy has no Principal")
        if not _principal_matches(statement["Principal"], request.principal):
            return False
    if not _matches_element(statement, "Action", request.action, _action_matches):
        return False
    if not _matches_element(statement, "Resource", request.resource, _resource_matches):
        return False
    return _conditions_hold(statement.get("Condition") or {}, request)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _matches_element(statement: Mapping[str, Any], name: str, value: str, matches: Callable[[str, str], bool]) -> bool:
    if name in statement:
        return any(matches(pattern, value) for pattern in _listed(statement[name]))
    if f"Not{name}" in statement:
        return not any(matches(pattern, value) for pattern in _listed(statement[f"Not{name}"]))
    return True  # a trust policy's statements may leave Resource out (the role is the resource)


def _action_matches(pattern: str, action: str) -> bool:
    return _glob(pattern.lower(), action.lower())


def _resource_matches(pattern: str, resource: str) -> bool:
    return _glob(pattern, resource)


def _glob(pattern: str, value: str) -> bool:
    """``*`` any run of characters, ``?`` one character; nothing else is special (not fnmatch's [])."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.S) is not None


def _principal_matches(element: Any, principal: Principal) -> bool:
    if element == "*":
        return True
    if not isinstance(element, Mapping):
        raise PolicyError(f"Principal must be '*' or a map, got {element!r}")
    for kind, values in element.items():
        for value in _listed(values):
            if kind == "Service" and principal.service and value == principal.arn:
                return True
            if kind == "AWS" and not principal.service and _aws_principal_matches(value, principal):
                return True
            if kind not in ("AWS", "Service"):
                raise PolicyError(f"Principal type {kind!r} is not evaluated by the emulator")
    return False


def _aws_principal_matches(value: str, principal: Principal) -> bool:
    if value == "*":
        return True
    if re.fullmatch(r"[0-9]{12}", value):
        return principal.account == value
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return principal.account == parts[4]
    # A role ARN names the role's sessions; a user ARN the user; an assumed-role ARN one session.
    return value in (principal.arn, principal.role_arn)


# ---------------------------------------------------------------- conditions

_STRING: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, got: want == got,
    "StringEqualsIgnoreCase": lambda want, got: want.lower() == got.lower(),
    "StringLike": _glob,
    "ArnEquals": lambda want, got: want == got,
    "ArnLike": lambda want, got: _arn_like(want, got),
    "Bool": lambda want, got: want.lower() == got.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _arn_like(pattern: str, arn: str) -> bool:
    wanted, got = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(got) != 6:
        return False
    return all(_glob(w, g) for w, g in zip(wanted, got, strict=True))


def _conditions_hold(conditions: Mapping[str, Any], request: Request) -> bool:
    for operator, keys in conditions.items():
        if not isinstance(keys, Mapping):
            raise PolicyError(f"condition {operator!r} must map keys to values")
        for key, wanted in keys.items():
            if not _condition_holds(operator, key, _listed(wanted), request.value(key)):
                return False
    return True


def _condition_holds(operator: str, key: str, wanted: list[str], got: list[str] | None) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if name == "Null":
        return (got is None) == (wanted[0].lower() == "true")
    negated = name in _NEGATED
    compare = _STRING.get(_NEGATED.get(name, name))
    if compare is None:
        raise PolicyError(f"condition operator {operator!r} is not evaluated by the emulator")
    if got is None:
        return if_exists or negated or qualifier == "ForAllValues"
    if qualifier == "ForAllValues":
        hits = [any(compare(w, g) for w in wanted) for g in got]
        return all(not h for h in hits) if negated else all(hits)
    if qualifier not in ("", "ForAnyValue"):
        raise PolicyError(f"condition qualifier {qualifier!r} is not evaluated by the emulator")
    matched = any(compare(w, g) for w in wanted for g in got)
    return not matched if negated else matched
