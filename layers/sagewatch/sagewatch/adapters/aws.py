"""AWS clients with the retry behaviour SageWatch relies on, and throttling-aware calls.

Clients are botocore's, which is all boto3's clients are: importing boto3 adds its resource
layer and s3transfer (about a fifth of ``import boto3; boto3.client("cloudwatch")``), which
no function needs. Clients built from one session share what it has loaded (endpoints,
partitions, retry rules); the wiring keeps one session per execution environment.

One retry layer: ``call``. botocore makes one attempt per call (``total_max_attempts: 1``) and
``call`` retries what AWS answered as throttled or transient - the error codes and statuses of
botocore's standard retry mode (Boto3 guide, "Retries": "Standard retry mode") - with full-jitter
backoff, so that a burst against CloudWatch's 3 TPS PutMetricAlarm quota delays onboarding instead
of failing it. Its wait is the ``sleep`` it is given: the composition root (``sagewatch.wiring``)
hands every adapter the same one, and tests hand a recorder or a simulated clock, so no test waits
out a backoff in real time. Before, botocore's adaptive mode retried throttling up to ten times
(and paced the client with a token bucket of its own) under ``call``'s own retries: two layers
retrying the same answer, the outer one only ever seeing what the inner gave up on, both waiting
in real time.

A connection that fails (no answer at all) is not retried here: the event is, as a whole
(Lambda's asynchronous retries, the SQS redrive), and then dead-lettered. Every other error
becomes an ``AwsCallError`` so that the handler fails, the event is retried and finally
dead-lettered.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from sagewatch.core.shared.errors import AwsCallError

T = TypeVar("T")

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},  # ``call`` is the one retry layer
    connect_timeout=5,
    read_timeout=20,
    user_agent_extra="sagewatch",
)

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
    }
)
# Boto3 guide, "Retries", standard mode: transient errors and the statuses of a nondescript
# server failure are retried like throttling.
TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
MAX_RETRIES = 6

# What services answer for a resource that does not exist (CloudWatch: ResourceNotFound; Logs:
# ResourceNotFoundException). Callers decide whether that is an error or simply "nothing yet".
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})


class PlainJSONFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's data files (service models, endpoints) parsed into plain dicts.

    botocore parses them with ``object_pairs_hook=OrderedDict``, which doubles the time of the
    largest parse a cold start makes: SageMaker's model (2.6 MB of JSON) takes about 38 ms that
    way and 19 ms into dicts, ``endpoints.json`` 19 ms and 8 ms. Dicts keep insertion order
    (Python 3.7+), which is all botocore asks of the ``OrderedDict`` (it calls none of its own
    methods on loaded data): the same files, the same data, in the same order. A data file laid
    out otherwise than the two forms botocore ships is read by botocore's own loader.
    """

    _FORMS = ((".json", open), (".json.gz", gzip.open))

    def load_file(self, file_path: str) -> Any:
        for extension, opener in self._FORMS:
            path = Path(file_path + extension)
            if path.is_file():
                with opener(path, "rb") as data:
                    return json.loads(data.read().decode("utf-8"))
        return super().load_file(file_path)


def new_session() -> botocore.session.Session:
    """A botocore session whose data files are parsed into plain dicts (:class:`PlainJSONFileLoader`).

    The data path is botocore's own (its data, then ``AWS_DATA_PATH``, as ``create_loader`` reads it).
    """
    made = botocore.session.get_session()
    loader = botocore.loaders.create_loader(made.get_config_variable("data_path"))
    loader.file_loader = PlainJSONFileLoader()
    made.register_component("data_loader", loader)
    return made


def client(
    service_name: str, region_name: str | None = None, *, session: botocore.session.Session | None = None
) -> Any:
    """A client for the Lambda's own account, from ``session`` (default: a new one).

    Credentials, region and AWS_ENDPOINT_URL (the emulator's) come from the environment.
    """
    return (session or new_session()).create_client(service_name, region_name=region_name, config=CLIENT_CONFIG)


def clients_of_one_session() -> Callable[[str], Any]:
    """``factory(service)`` → a client; every client of one factory from one session, made with the first."""
    sessions: list[botocore.session.Session] = []

    def build(service_name: str) -> Any:
        if not sessions:
            sessions.append(new_session())
        return client(service_name, session=sessions[0])

    return build


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def is_retryable(exc: ClientError) -> bool:
    """Throttled, or a transient failure on AWS's side: worth the same call again after a wait."""
    code = error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in THROTTLING_CODES or code in TRANSIENT_CODES or status in TRANSIENT_STATUSES


def call(
    operation: str,
    fn: Callable[..., T],
    /,
    *,
    sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> T:
    """Call ``fn(**kwargs)``, retrying throttled and transient answers with full-jitter backoff;
    translate other errors.

    ``sleep`` waits between retries (``time.sleep`` when None): the wiring's, which tests replace.
    """
    pause = sleep or time.sleep
    for attempt in range(MAX_RETRIES + 1):
        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = error_code(exc)
            if is_retryable(exc) and attempt < MAX_RETRIES:
                pause(random.uniform(0, min(8.0, 0.5 * 2**attempt)))  # noqa: S311 - jitter, not crypto
                continue
            message = str(exc.response.get("Error", {}).get("Message", exc))
            raise AwsCallError(operation, code, message) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def error_response(exc: AwsCallError) -> dict[str, Any]:
    """The service's answer behind ``exc`` (e.g. DynamoDB's ``Item`` on a refused condition with
    ``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or a transaction's ``CancellationReasons``)."""
    cause = exc.__cause__
    return dict(cause.response) if isinstance(cause, ClientError) else {}


# DynamoDB refuses a single-item write to an item that a TransactWriteItems is writing at that
# moment (developer guide, "Transaction conflict handling in DynamoDB": "A PutItem, UpdateItem, or
# DeleteItem request for an item conflicts with an ongoing TransactWriteItems request that includes
# the same item"), and botocore does not retry it. The transaction takes milliseconds.
TRANSACTION_CONFLICT = "TransactionConflictException"
TRANSACTION_CONFLICT_ATTEMPTS = 5


def call_beside_transactions(
    operation: str,
    fn: Callable[..., T],
    /,
    *,
    sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> T:
    """``call`` for a write to an item a transaction may be writing: a conflict is retried shortly."""
    pause = sleep or time.sleep
    for attempt in range(TRANSACTION_CONFLICT_ATTEMPTS):
        try:
            return call(operation, fn, sleep=sleep, **kwargs)
        except AwsCallError as exc:
            if exc.code != TRANSACTION_CONFLICT or attempt == TRANSACTION_CONFLICT_ATTEMPTS - 1:
                raise
            pause(random.uniform(0.005, 0.02) * 2**attempt)  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")  # pragma: no cover
