"""Bulk reads and writes for the fleet reconcile: endpoints, dashboards, state table, queue, policy.

Every list call pages through its results; every call goes through ``adapters.aws.call`` (throttling
retried with backoff, other errors turned into ``AwsCallError``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sagewatch.adapters.aws import call
from sagewatch.adapters.pagination import DYNAMODB_START_KEY, items
from sagewatch.core.fleet.plan import AppliedState, ListedEndpoint, timestamp
from sagewatch.core.monitoring.component_events import GONE_STATUSES
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.errors import AwsCallError, InvalidPolicyError

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

SEND_BATCH = 10  # SendMessageBatch takes at most 10 entries
CHECKPOINT_KEY = "#reconcile"  # not a valid endpoint name, so it never collides with one


@functools.cache
def _codec() -> tuple[TypeSerializer, TypeDeserializer]:
    """DynamoDB's attribute-value codec, imported with the state table's first use: it lives in
    boto3, which the event path (the SSM policy read in this module) does not otherwise load."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def _from_dynamodb(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (attribute values such as ``{"S": "fraud"}``) as plain Python values."""
    return {key: _codec()[1].deserialize(value) for key, value in raw.items()}


def list_endpoints(client: Any, sleep: Callable[[float], None] | None = None) -> list[ListedEndpoint]:
    """Every endpoint of the region (ListEndpoints, 100 per page): name, status, LastModifiedTime."""
    return [
        ListedEndpoint(
            name=str(summary["EndpointName"]),
            status=str(summary.get("EndpointStatus", "")),
            last_modified=timestamp(summary.get("LastModifiedTime")),
        )
        for summary in items("ListEndpoints", client.list_endpoints, "Endpoints", MaxResults=100, sleep=sleep)
    ]


def list_components(client: Any, sleep: Callable[[float], None] | None = None) -> dict[str, tuple[str, ...]]:
    """Endpoint → its inference components (sorted), from one paginated ListInferenceComponents
    for the whole region. Components being deleted or failed are left out, as onboarding does."""
    found: dict[str, list[str]] = {}
    summaries = items(
        "ListInferenceComponents", client.list_inference_components, "InferenceComponents", MaxResults=100, sleep=sleep
    )
    for summary in summaries:
        if summary.get("InferenceComponentStatus") in GONE_STATUSES:
            continue
        found.setdefault(str(summary["EndpointName"]), []).append(str(summary["InferenceComponentName"]))
    return {endpoint: tuple(sorted(names)) for endpoint, names in found.items()}


def list_dashboards(client: Any, name_prefix: str, sleep: Callable[[float], None] | None = None) -> list[str]:
    """Names of the dashboards whose name starts with ``name_prefix`` (ListDashboards, paginated)."""
    dashboards = items(
        "ListDashboards",
        client.list_dashboards,
        "DashboardEntries",
        DashboardNamePrefix=name_prefix,
        sleep=sleep,
    )
    return [str(d["DashboardName"]) for d in dashboards]


class StateStore:
    """The state table: one item per endpoint (what was applied) and one reconcile checkpoint."""

    def __init__(self, client: Any, table: str, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._table = table
        self._sleep = sleep

    def scan(self) -> tuple[dict[str, AppliedState], dict[str, Any] | None]:
        """(endpoint → state, the reconcile checkpoint or None): one paginated Scan."""
        states: dict[str, AppliedState] = {}
        checkpoint: dict[str, Any] | None = None
        for raw in items(
            "Scan", self._client.scan, "Items", cursor=DYNAMODB_START_KEY, TableName=self._table, sleep=self._sleep
        ):
            item = _from_dynamodb(raw)
            if item.get("endpoint") == CHECKPOINT_KEY:
                checkpoint = item
            else:
                state = AppliedState.from_item(item)
                states[state.endpoint] = state
        return states, checkpoint

    def get(self, endpoint: str) -> AppliedState | None:
        result = call(
            "GetItem",
            self._client.get_item,
            TableName=self._table,
            Key={"endpoint": {"S": endpoint}},
            ConsistentRead=True,
            sleep=self._sleep,
        )
        raw = result.get("Item")
        if not raw:
            return None
        return AppliedState.from_item(_from_dynamodb(raw))

    def record(self, state: AppliedState) -> bool:
        """Write the state unless the table already holds exactly it (a repeat writes nothing)."""
        if self.get(state.endpoint) == state:
            return False
        self.put(state)
        return True

    def forget(self, endpoint: str) -> bool:
        """Delete the endpoint's record if there is one."""
        if self.get(endpoint) is None:
            return False
        self.delete(endpoint)
        return True

    def put(self, state: AppliedState) -> None:
        self._put(state.to_item())

    def delete(self, endpoint: str) -> None:
        call(
            "DeleteItem",
            self._client.delete_item,
            TableName=self._table,
            Key={"endpoint": {"S": endpoint}},
            sleep=self._sleep,
        )

    def put_checkpoint(self, run_id: str, cursor: str, started: str) -> None:
        self._put({"endpoint": CHECKPOINT_KEY, "run": run_id, "cursor": cursor, "started": started})

    def delete_checkpoint(self) -> None:
        self.delete(CHECKPOINT_KEY)

    def _put(self, item: Mapping[str, Any]) -> None:
        serialised = {k: _codec()[0].serialize(v) for k, v in item.items()}
        call("PutItem", self._client.put_item, TableName=self._table, Item=serialised, sleep=self._sleep)


class WorkQueue:
    """The onboarding queue: one JSON message per endpoint, sent 10 per SendMessageBatch."""

    def __init__(self, client: Any, url: str, sleep: Callable[[float], None] | None = None) -> None:
        self._client = client
        self._url = url
        self._sleep = sleep

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Send every message; returns the number of SendMessageBatch calls. Raises if any entry fails."""
        calls = 0
        for start in range(0, len(messages), SEND_BATCH):
            batch = messages[start : start + SEND_BATCH]
            entries = [{"Id": str(i), "MessageBody": json.dumps(m, sort_keys=True)} for i, m in enumerate(batch)]
            result = call("SendMessageBatch", self._client.send_message_batch, QueueUrl=self._url, Entries=entries)
            calls += 1
            failed = result.get("Failed") or []
            if failed:
                first = failed[0]
                raise AwsCallError("SendMessageBatch", str(first.get("Code")), str(first.get("Message")))
        return calls


def load_policy(client: Any, parameter: str, sleep: Callable[[float], None] | None = None) -> Policy:
    """The fleet policy from an SSM parameter (JSON); InvalidPolicyError names what is wrong."""
    where = f"SSM parameter {parameter}"
    try:
        result = call("GetParameter", client.get_parameter, Name=parameter, sleep=sleep)
    except AwsCallError as exc:
        if exc.code == "ParameterNotFound":
            raise InvalidPolicyError(f"{where} does not exist") from exc
        raise
    raw = str(result.get("Parameter", {}).get("Value", ""))
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidPolicyError(f"{where} is not valid JSON: {exc}") from exc
    return Policy.from_document(doc, where=where)
