"""Where the alarm engine meets moto: seven small patches, installed and removed with the account.

- ``PutMetricAlarm`` (backend): a new alarm starts in INSUFFICIENT_DATA, as on AWS (moto: OK);
  an update keeps the alarm's state and history ("When you update an existing alarm, its state
  is left unchanged", API Reference "PutMetricAlarm"; moto replaced the alarm and reset it).
- ``PutCompositeAlarm`` (responses): moto has none (HTTP 500). The composite is stored as moto
  stores alarms with an ``AlarmRule`` (DescribeAlarms lists it under ``CompositeAlarms``);
  the rule must parse and name existing alarms, as PutCompositeAlarm requires.
- ``SetAlarmState`` (backend): stamped with the account's clock, and "when the updated state
  differs from the previous value, the action configured for the appropriate state is invoked"
  (API Reference "SetAlarmState"); moto ran no action.
- ``PutAlarmMuteRule`` and friends (responses): moto has none; served into the engine's rule
  book by :mod:`sagewatch_emulator.cloudwatch.alarm_mute_rules`.
- ``PutMetricData`` (backend): what moto stored is also indexed by the engine's metric store.
- ``GetMetricData``, ``GetMetricStatistics``, ``ListMetrics`` (backend): they also see the data
  the simulator published directly into the store, materialised as moto datums only for the
  metrics and window a call asks for (``get_all_metrics`` is where moto collects its datums).
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sagewatch_emulator.alarm_engine.store import SeriesKey
from sagewatch_evaluation import CompositeRuleError, parse_rule

if TYPE_CHECKING:
    from sagewatch_emulator.alarm_engine.engine import AlarmEngine
    from sagewatch_emulator.extensions import MotoExtensions


@dataclass(frozen=True)
class _View:
    wanted: Callable[[SeriesKey], bool]
    start: datetime | None
    end: datetime | None
    weighted: bool = False  # the reader honours a datum's count (cloudwatch.statistics)


_VIEW: contextvars.ContextVar[_View | None] = contextvars.ContextVar("sagewatch_store_view", default=None)


@contextmanager
def _viewing(view: _View) -> Iterator[None]:
    token = _VIEW.set(view)
    try:
        yield
    finally:
        _VIEW.reset(token)


def _utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _query_selector(queries: Sequence[Mapping[str, Any]]) -> Callable[[SeriesKey], bool]:
    """Series a GetMetricData call can read: its MetricStat metrics, and for Metrics Insights or
    SEARCH expressions every series whose metric name the expression mentions."""
    exact: set[SeriesKey] = set()
    words: set[str] = set()
    for query in queries:
        stat = query.get("MetricStat")
        if stat:
            metric = stat.get("Metric") or {}
            dims = tuple(sorted((str(d.get("Name")), str(d.get("Value"))) for d in metric.get("Dimensions") or ()))
            exact.add((str(metric.get("Namespace")), str(metric.get("MetricName")), dims))
        elif query.get("Expression"):
            words.update(re.findall(r"[A-Za-z][A-Za-z0-9_]*", str(query["Expression"])))
    return lambda key: key in exact or key[1] in words


def install_alarm_engine(engine: AlarmEngine, extensions: MotoExtensions) -> None:
    """Install every hook of this module for ``engine`` (removed by ``extensions.uninstall``)."""
    from moto.cloudwatch.models import CloudWatchBackend

    _keep_state_on_put_metric_alarm(engine, extensions, CloudWatchBackend)
    _add_put_composite_alarm(extensions)
    _set_alarm_state_runs_actions(engine, extensions, CloudWatchBackend)
    _index_put_metric_data(engine, extensions, CloudWatchBackend)
    _show_store_to_queries(engine, extensions, CloudWatchBackend)
    _sqs_delays_on_the_simulated_clock(engine, extensions)
    from sagewatch_emulator.cloudwatch.alarm_mute_rules import add_alarm_mute_rules

    add_alarm_mute_rules(engine, extensions)  # the engine's rule book, over the four API calls
    extensions.installed.append("cloudwatch: alarms evaluated by the emulator's alarm engine (simulated clock)")


def _sqs_delays_on_the_simulated_clock(engine: AlarmEngine, extensions: MotoExtensions) -> None:
    """SendMessage's DelaySeconds counts simulated seconds once a simulation runs.

    SQS hides a delayed message for DelaySeconds (0-900; SQS SendMessage API reference) — real
    seconds, which a simulated week crosses in a fraction of one. While the engine's clock is
    pinned, a delayed message is held by the engine and sent (without delay) when ``advance``
    passes its due time, so what waits 15 minutes on AWS waits 15 simulated minutes here.
    """
    from moto.sqs.models import SQSBackend

    original = SQSBackend.send_message

    def send_message(self: Any, queue_name: str, message_body: str, *args: Any, **kwargs: Any) -> Any:
        delay = kwargs.get("delay_seconds")
        if delay is None and len(args) >= 2:
            delay = args[1]
        if not engine.clock.pinned or not delay or int(delay) <= 0:
            return original(self, queue_name, message_body, *args, **kwargs)
        attributes = kwargs.get("message_attributes") if "message_attributes" in kwargs else (args[0] if args else None)

        def release() -> None:
            original(self, queue_name, message_body, message_attributes=attributes, delay_seconds=0)

        engine.hold_until(engine.clock.now + timedelta(seconds=int(delay)), release)
        # What SendMessage answers: the message as it will be (moto builds the reply from it).
        from moto.sqs.models import Message

        message = Message(str(uuid.uuid4()), message_body)
        return message

    extensions.patch(SQSBackend, "send_message", send_message)


def _keep_state_on_put_metric_alarm(engine: AlarmEngine, extensions: MotoExtensions, backend_class: Any) -> None:
    original = backend_class.put_metric_alarm

    def put_metric_alarm(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        previous = self.alarms.get(name)
        alarm = original(self, name, *args, **kwargs)
        if previous is None:
            engine.initial_state(alarm)
        else:
            alarm.state_value, alarm.state_reason = previous.state_value, previous.state_reason
            alarm.state_reason_data = previous.state_reason_data
            alarm.state_updated_timestamp, alarm.history = previous.state_updated_timestamp, previous.history
            stamp = engine.stamp()
            if stamp is not None:
                alarm.configuration_updated_timestamp = stamp
        return alarm

    extensions.patch(backend_class, "put_metric_alarm", put_metric_alarm)


def _add_put_composite_alarm(extensions: MotoExtensions) -> None:
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import EmptyResult

    if "put_composite_alarm" in CloudWatchResponse.__dict__:  # a later moto has it: keep theirs
        return

    def put_composite_alarm(self: Any) -> Any:
        name = self._get_param("AlarmName")
        rule_text = self._get_param("AlarmRule")
        try:
            rule = parse_rule(rule_text or "")
        except CompositeRuleError as exc:
            raise ValidationError(f"AlarmRule is invalid: {exc}") from None
        backend = self.cloudwatch_backend
        for child in rule.children:
            child_name = child.split(":alarm:", 1)[1] if ":alarm:" in child else child
            if child_name not in backend.alarms or child_name == name:
                raise ValidationError(
                    f"Could not save the composite alarm as alarms [{child}] in the alarm rule do not exist"
                )
        actions_enabled = self._get_param("ActionsEnabled")
        backend.put_metric_alarm(
            name=name,
            namespace=None,
            metric_name=None,
            comparison_operator=None,
            evaluation_periods=None,
            period=None,
            threshold=None,
            statistic=None,
            description=self._get_param("AlarmDescription"),
            dimensions=[],
            alarm_actions=self._get_param("AlarmActions", []),
            ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            actions_enabled=True if actions_enabled is None else actions_enabled in (True, "true"),
            rule=rule_text,
            tags=self._get_param("Tags", []),
        )
        return EmptyResult()

    extensions.patch(CloudWatchResponse, "put_composite_alarm", put_composite_alarm)


def _set_alarm_state_runs_actions(engine: AlarmEngine, extensions: MotoExtensions, backend_class: Any) -> None:
    original = backend_class.set_alarm_state

    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        alarm = self.alarms.get(alarm_name)
        old = alarm.state_value if alarm is not None else None
        original(self, alarm_name, reason, reason_data, state_value)  # validates, writes history
        alarm = self.alarms[alarm_name]
        stamp = engine.stamp()
        if stamp is not None:
            alarm.state_updated_timestamp = stamp
        if old is not None and old != state_value:
            engine.record_transition(alarm, old, reason or "", _utc(alarm.state_updated_timestamp))

    extensions.patch(backend_class, "set_alarm_state", set_alarm_state)


def _index_put_metric_data(engine: AlarmEngine, extensions: MotoExtensions, backend_class: Any) -> None:
    original = backend_class.put_metric_data

    def put_metric_data(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
        from moto.cloudwatch.exceptions import InvalidParameterValue

        before = len(self.metric_data)
        original(self, namespace, metric_data)
        added = self.metric_data[before:]
        try:
            for datum in added:
                dims = {str(d.name): str(d.value) for d in datum.dimensions}
                at = _utc(datum.timestamp) if datum.timestamp else engine.clock.now
                engine.refuse_metric(datum.namespace, datum.name, dims, at)
        except ValueError as exc:
            del self.metric_data[before:]
            raise InvalidParameterValue(str(exc)) from None
        engine.store.ingest_moto_datums(added)

    extensions.patch(backend_class, "put_metric_data", put_metric_data)


def _show_store_to_queries(engine: AlarmEngine, extensions: MotoExtensions, backend_class: Any) -> None:
    get_all_metrics = backend_class.get_all_metrics
    get_metric_data = backend_class.get_metric_data  # the emulator's percentile/math version
    get_metric_statistics = backend_class.get_metric_statistics
    get_filtered_metrics = backend_class.get_filtered_metrics

    def all_metrics(self: Any) -> list[Any]:
        datums = list(get_all_metrics(self))
        view = _VIEW.get()
        if view is not None:
            datums.extend(engine.store.moto_view(view.wanted, view.start, view.end, weighted=view.weighted))
        return datums

    def metric_data(
        self: Any, queries: list[dict[str, Any]], start_time: Any, end_time: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # The emulator's GetMetricData (cloudwatch.statistics) counts a weighted datum as its count.
        with _viewing(_View(_query_selector(queries), _utc(start_time), _utc(end_time), weighted=True)):
            return get_metric_data(self, queries, start_time, end_time, *args, **kwargs)

    def metric_statistics(
        self: Any, namespace: str, metric_name: str, start_time: Any, end_time: Any, *args: Any, **kwargs: Any
    ) -> Any:
        view = _View(lambda key: key[0] == namespace and key[1] == metric_name, _utc(start_time), _utc(end_time))
        with _viewing(view):
            return get_metric_statistics(self, namespace, metric_name, start_time, end_time, *args, **kwargs)

    def filtered_metrics(self: Any, metric_name: str, namespace: str, dimensions: Any) -> Any:
        view = _View(
            lambda key: (not namespace or key[0] == namespace) and (not metric_name or key[1] == metric_name),
            None,
            None,
        )
        with _viewing(view):
            return get_filtered_metrics(self, metric_name, namespace, dimensions)

    extensions.patch(backend_class, "get_all_metrics", all_metrics)
    extensions.patch(backend_class, "get_metric_data", metric_data)
    extensions.patch(backend_class, "get_metric_statistics", metric_statistics)
    extensions.patch(backend_class, "get_filtered_metrics", filtered_metrics)
