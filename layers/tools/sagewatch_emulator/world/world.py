"""The emulated world: one moto server holding an organization, the hub and its spokes.

::

    with EmulatedWorld() as world:                      # hub: template.yaml in 123456789012, us-east-1
        team_a = world.create_account("team-a")         # Organizations CreateAccount, in the spokes OU
        west = world.add_spoke(team_a, "eu-west-1")     # docs/spoke/spoke.yaml there, hub queue subscribed
        west.endpoint_state_change("fraud", "IN_SERVICE")   # forwarded to the hub's bus (or dead-lettered)
        world.deliver_forwarded()                       # the hub's functions, as their execution roles
        west.dead_letters(), world.refusals             # what the policies refused, never silently

The hub is an :class:`~sagewatch_emulator.EmulatedAccount` (moto's default account, the
organization's management account) with ``SpokeOrganizationId`` set to the world's
organization; its policy resources are applied in moto, and the policies of every account are
enforced (:mod:`.enforcement`). The hub's functions run with their execution role's credentials
(as Lambda gives them), so what they do in a spoke goes through ``sts:AssumeRole`` and the spoke
role's trust policy. One world (like one account) per process at a time.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from botocore.config import Config

from sagewatch_emulator.account import EmulatedAccount
from sagewatch_emulator.aws_environment import shared_session
from sagewatch_emulator.calls import exclude_from_counting
from sagewatch_emulator.eventbridge import matching_functions
from sagewatch_emulator.extensions import MotoExtensions
from sagewatch_emulator.sam.invoke import Invocation
from sagewatch_emulator.sam.template import Template, default_template_path
from sagewatch_emulator.world.enforcement import Enforcement, Refusal, install_enforcement
from sagewatch_emulator.world.provisioning import POLICY_TYPES, apply_policy_resource
from sagewatch_emulator.world.spoke import SpokeStack

__all__ = ["DEFAULT_EXTERNAL_ID", "EmulatedWorld", "default_spoke_template_path"]

DEFAULT_EXTERNAL_ID = "emulated-world-external-id"
"""The spoke role's sts:ExternalId unless the world is given another (16+ characters, as spoke.yaml wants)."""


def default_spoke_template_path() -> Path:
    return default_template_path().parent / "docs" / "spoke" / "spoke.yaml"


def _identifiers(seed: int) -> tuple[str, str, str]:
    """(organization, root, spokes OU) IDs of Organizations' forms, known before moto makes them
    (it draws them at random), so the hub can be deployed naming them."""
    chooser = random.Random(seed)  # noqa: S311 - identifiers, not secrets

    def draw(size: int) -> str:
        return "".join(chooser.choice(string.ascii_lowercase + string.digits) for _ in range(size))

    root = draw(4)
    return f"o-{draw(10)}", f"r-{root}", f"ou-{root}-{draw(8)}"


class EmulatedWorld:
    """An organization with a hub and spokes on one moto server. See docs/emulated-account.md."""

    def __init__(
        self,
        template_path: str | Path | None = None,
        *,
        hub_region: str = "us-east-1",
        hub_parameters: Mapping[str, Any] | None = None,
        external_id: str = DEFAULT_EXTERNAL_ID,
        spoke_template_path: str | Path | None = None,
        organization_seed: int = 20,
        spoke_regions: Sequence[str] = (),
        reconcile_spokes_ou: bool = False,
    ) -> None:
        self.organization_id, self.root_id, self.spokes_ou_id = _identifiers(organization_seed)
        self.external_id = external_id
        self.hub = EmulatedAccount(
            template_path,
            region=hub_region,
            parameters=self._hub_parameters(template_path, hub_parameters, spoke_regions, reconcile_spokes_ou),
        )
        self.spoke_template_path = Path(spoke_template_path or default_spoke_template_path())
        self.spokes: dict[tuple[str, str], SpokeStack] = {}
        self.accounts: dict[str, str] = {}  # name -> account id (members and outsiders)
        self._extensions = MotoExtensions()
        self.enforcement = Enforcement(self._organization_of)
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._delivered = 0
        self._members = 0

    def _hub_parameters(
        self,
        template_path: str | Path | None,
        overrides: Mapping[str, Any] | None,
        spoke_regions: Sequence[str],
        reconcile_spokes_ou: bool,
    ) -> dict[str, Any]:
        """The hub's spoke parameters, each only if the template declares it: the organization,
        the external ID, the regions and (``reconcile_spokes_ou``) the spokes OU; then ``overrides``."""
        declared = Template.load(template_path or default_template_path()).parameters
        wanted: dict[str, Any] = {"SpokeOrganizationId": self.organization_id, "SpokeExternalId": self.external_id}
        if spoke_regions:
            wanted["SpokeRegions"] = ",".join(spoke_regions)
        if reconcile_spokes_ou:
            wanted["SpokeOrganizationalUnitId"] = self.spokes_ou_id
        return {**{k: v for k, v in wanted.items() if k in declared}, **dict(overrides or {})}

    def __enter__(self) -> EmulatedWorld:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> EmulatedWorld:
        self.hub.start()
        try:
            utils = _org_utils()
            self._extensions.patch(utils, "make_random_org_id", lambda: self.organization_id)
            self._extensions.patch(utils, "make_random_root_id", lambda: self.root_id)
            organizations = self.hub.client("organizations")
            organizations.create_organization(FeatureSet="ALL")
            random_ou_id = utils.make_random_ou_id
            ou_ids = iter([self.spokes_ou_id])  # the next OU made is the spokes OU
            self._extensions.patch(utils, "make_random_ou_id", lambda root: next(ou_ids, None) or random_ou_id(root))
            # Member accounts 222222222222, 333333333333 … in creation order (moto: random), so a
            # test, the docs and `doctor --spoke --emulated` can name them.
            self._extensions.patch(_org_utils(), "make_random_account_id", self._next_member_id)
            organizations.create_organizational_unit(ParentId=self.root_id, Name="spokes")
            install_enforcement(self.enforcement, self._extensions)
            self._apply_hub_policies()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self.spokes.clear()
        self._clients.clear()
        self._extensions.uninstall()
        self.hub.close()

    # -- accounts and clients --

    @property
    def hub_account_id(self) -> str:
        return self.hub.account_id

    def client(self, service_name: str, *, account_id: str | None = None, region: str | None = None) -> Any:
        """A boto3 client acting as ``account_id`` (default: the hub's) in ``region`` (default:
        the hub's), through moto's ``x-moto-account-id`` header. Not counted by ``invoke``."""
        account = account_id or self.hub.account_id
        where = region or self.hub.region
        key = (service_name, account, where)
        if key not in self._clients:
            config = Config(retries={"mode": "standard", "max_attempts": 3})
            made = shared_session(where).client(  # type: ignore[call-overload]
                service_name, endpoint_url=self.hub.endpoint_url, region_name=where, config=config
            )
            if account != self.hub.account_id:

                def act_as(request: Any, **_: Any) -> None:
                    request.headers["x-moto-account-id"] = account

                made.meta.events.register("before-sign", act_as)
            self._clients[key] = exclude_from_counting(made)
        return self._clients[key]

    def client_with(self, credentials: Mapping[str, str], service_name: str, *, region: str | None = None) -> Any:
        """A boto3 client signing with ``credentials`` (``AWS_ACCESS_KEY_ID``/``AccessKeyId`` … as
        :meth:`execution_role_environment` or AssumeRole give them): it acts as whoever they are."""

        def pick(*names: str) -> str:
            return next(str(credentials[n]) for n in names if n in credentials)

        options: dict[str, Any] = {
            "endpoint_url": self.hub.endpoint_url,
            "region_name": region or self.hub.region,
            "aws_access_key_id": pick("AWS_ACCESS_KEY_ID", "AccessKeyId"),
            "aws_secret_access_key": pick("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
            "aws_session_token": pick("AWS_SESSION_TOKEN", "SessionToken"),
        }
        return exclude_from_counting(shared_session(options["region_name"]).client(service_name, **options))  # type: ignore[call-overload]

    def create_account(self, name: str, *, member: bool = True) -> str:
        """A new account: by Organizations CreateAccount into the spokes OU (``member``), or
        one outside the organization. Returns its ID."""
        if member:
            organizations = self.hub.client("organizations")
            status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
            account_id = str(status["AccountId"])
            root = organizations.list_roots()["Roots"][0]["Id"]
            organizations.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=self.spokes_ou_id)
        else:
            outsiders = sum(1 for a in self.accounts.values() if a.startswith("9000"))
            account_id = f"{9000_0000_0000 + outsiders + 1:012d}"  # 900000000001 …
        self.accounts[name] = account_id
        return account_id

    def _next_member_id(self) -> str:
        self._members += 1
        return str(self._members + 1) * 12 if self._members <= 8 else f"{2000_0000_0000 + self._members:012d}"

    def _organization_of(self, account_id: str) -> str | None:
        from moto.organizations.models import organizations_backends

        for partitions in list(organizations_backends.values()):
            for backend in list(partitions.values()):
                if backend.org is not None and any(a.id == account_id for a in backend.accounts):
                    return str(backend.org.id)
        return None

    # -- the hub --

    def _apply_hub_policies(self) -> None:
        """The hub's queue and bus policies, set in moto (a single account only records them)."""
        template = Template.load(self.hub.template_path)
        for logical_id in template.resources:
            kind = template.resource_type(logical_id)
            if kind in POLICY_TYPES and logical_id in self.hub.stack.resources:
                apply_policy_resource(self.hub.client, kind, self.hub.stack.resolved_properties(logical_id))

    @property
    def hub_outputs(self) -> dict[str, Any]:
        return self.hub.stack.outputs

    def execution_role_environment(self, function_logical_id: str) -> dict[str, str]:
        """The credentials Lambda gives ``function_logical_id``: a session of its execution role."""
        from moto.sts.models import sts_backends

        role_arn = str(self.hub.attribute(f"{function_logical_id}Role", "Arn"))
        partition = role_arn.split(":")[1]
        session = sts_backends[self.hub.account_id][partition].assume_role(
            region_name=self.hub.region,
            role_session_name=function_logical_id,
            role_arn=role_arn,
            policy="",
            duration=3600,
            external_id="",
        )
        return {
            "AWS_ACCESS_KEY_ID": session.access_key_id,
            "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
            "AWS_SESSION_TOKEN": session.session_token,
        }

    def invoke(
        self, logical_id: str, event: Mapping[str, Any], *, environment: Mapping[str, str] | None = None
    ) -> Invocation:
        """``hub.invoke`` with the function's execution-role credentials (see the class)."""
        env = {**self.execution_role_environment(logical_id), **(environment or {})}
        return self.hub.invoke(logical_id, event, environment=env)

    def deliver_forwarded(self) -> list[Invocation]:
        """The events the hub's bus accepted from spokes since the last call, to the hub's
        functions whose rules match them (as their execution roles)."""
        events = self.enforcement.forwarded[self._delivered :]
        self._delivered += len(events)
        template = Template.load(self.hub.template_path)
        return [self.invoke(function, event) for event in events for function in matching_functions(template, event)]

    def drain(self, queue_logical_id: str, function_logical_id: str, **kwargs: Any) -> Any:
        """``hub.drain_queue(queue, function)`` as the function's execution role."""
        env = {**self.execution_role_environment(function_logical_id), **kwargs.pop("environment", {})}
        return self.hub.drain_queue(queue_logical_id, function_logical_id, environment=env, **kwargs)

    def drain_alerts(self, **kwargs: Any) -> Any:
        """The AlertQueue to NotifyFunction (:meth:`drain`)."""
        return self.drain("AlertQueue", "NotifyFunction", **kwargs)

    @property
    def refusals(self) -> list[Refusal]:
        """Every request a policy refused, in order."""
        return list(self.enforcement.refusals)

    # -- spokes --

    def spoke_parameters(self, account_id: str) -> dict[str, Any]:
        """The spoke template's parameters for the hub as deployed (its outputs), as docs/hub-and-spokes.md says."""
        outputs = self.hub_outputs
        return {
            "NamePrefix": self.hub.stack.parameters.get("NamePrefix", "SageWatch"),
            "HubAccountId": self.hub.account_id,
            "HubEventBusArn": outputs["HubEventBusArn"],
            "HubAlertQueueArn": outputs["AlertQueueArn"],
            "HubFunctionRoleArns": outputs["HubFunctionRoleArns"],
            "ExternalId": self.external_id,
            "OrganizationId": self.organization_id if self._organization_of(account_id) else "",
        }

    def add_spoke(
        self, account_id: str, region: str, *, parameters: Mapping[str, Any] | None = None, subscribe: bool = True
    ) -> SpokeStack:
        """Deploy the spoke template in ``account_id``/``region`` (``parameters`` override
        :meth:`spoke_parameters`) and, with ``subscribe``, subscribe the hub's AlertQueue to its
        topic as the hub does: from the hub account, in the topic's region."""
        spoke = SpokeStack(
            self.client,
            self._extensions,
            self.spoke_template_path,
            account_id=account_id,
            region=region,
            parameters={**self.spoke_parameters(account_id), **dict(parameters or {})},
            # CloudFormation's generated names are unique per stack; IAM is global per account, so
            # two regions' stacks of one account must not generate the same role name.
            stack_name=f"sagewatch-spoke-{region}",
        )
        self.spokes[(account_id, region)] = spoke
        if subscribe:
            self.client("sns", region=region).subscribe(
                TopicArn=spoke.outputs["AlertTopicArn"],
                Protocol="sqs",
                Endpoint=self.hub_outputs["AlertQueueArn"],
                ReturnSubscriptionArn=True,
            )
        return spoke


def _org_utils() -> Any:
    from moto.organizations import utils

    return utils
