"""The alarm engine: simulated minutes, every alarm evaluated at each, actions run on change.

At every minute boundary the clock crosses, each metric alarm of the account's region is
evaluated over the metric store as CloudWatch would ("Alarms with Period >= 60 s are evaluated
every minute over a sliding window"; docs/evaluation.md), then composite alarms are evaluated
when a child's state changed. A new state is written into moto's alarm (so DescribeAlarms shows
it), the previous one into its history (DescribeAlarmHistory), and the new state's actions run
(:mod:`.publish`). An evaluation that keeps the state (``ignore``, low samples) changes nothing.

Alarm mute rules (:mod:`.mute_rules`, served by :mod:`sagewatch_emulator.cloudwatch.alarm_mute_rules`):
a muted alarm keeps being evaluated and changes state, but runs no action ("When a mute rule is
active, targeted alarms continue to evaluate metrics and transition between states, but their
configured actions ... are muted", API Reference "PutAlarmMuteRule"). When its window ends (or its
rule is deleted) with the alarm still in the state it was muted in, that state's actions run then,
with the message of the muted change (User Guide "How alarm mute rules work": "Alarm action is
executed because the mute window has ended and the alarm remains in the same state (ALARM) in
which it was originally muted"; it applies to the actions of every state). An alarm that moved on
to another state during the window (e.g. back to OK) runs nothing for the state it left.

SetAlarmState is temporary: the next evaluation computes the real state again and, when it
differs, transitions back with its actions (API Reference "SetAlarmState"). Composite alarms are
re-evaluated only when a child changes, so a state set on a composite lasts until then.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch_emulator.alarm_engine.clock import SimulatedClock, minute_boundaries
from sagewatch_emulator.alarm_engine.described import describe_alarm, is_composite
from sagewatch_emulator.alarm_engine.evaluate import (
    ChildState,
    Outcome,
    evaluate_composite_alarm,
    evaluate_math_alarm,
    evaluate_metric_alarm,
)
from sagewatch_emulator.alarm_engine.mute_rules import MuteRuleBook
from sagewatch_emulator.alarm_engine.publish import SentNotification, run_actions
from sagewatch_emulator.alarm_engine.store import MetricStore, SeriesKey, series_key
from sagewatch_emulator.cloudwatch.alarm_notifications import cloudwatch_time
from sagewatch_evaluation import AlarmConfig, AlarmState, CompositeRule, UnknownChildAlarmError, parse_rule

_LOG = logging.getLogger(__name__)

INITIAL_REASON = "Unchecked: Initial alarm creation"


@dataclass(frozen=True)
class Transition:
    """One state change the engine (or SetAlarmState) made, with the actions it ran."""

    alarm_name: str
    old_state: str
    new_state: str
    at: datetime
    reason: str
    notifications: tuple[SentNotification, ...] = ()
    muted_by: str | None = None  # the mute rule that muted its actions
    released: bool = False  # not a state change: a muted change's actions, run when its window ended


@dataclass(frozen=True)
class _MutedChange:
    """The latest change of an alarm whose actions a rule muted: run them if the window ends in it."""

    old_state: str
    new_state: str
    reason: str
    at: datetime
    triggering_children: tuple[str, ...]


@dataclass
class _Compiled:
    """What evaluating one moto alarm needs, built once per alarm configuration."""

    alarm: Any  # moto's Alarm; a PutMetricAlarm update replaces the object, so identity = version
    config: AlarmConfig | None = None
    key: SeriesKey | None = None
    rule: CompositeRule | None = None
    children_seen: tuple[tuple[str, str], ...] | None = None  # composite: children's states last evaluated


@dataclass
class AdvanceReport:
    """What one ``advance`` did: minutes evaluated, alarm evaluations, transitions in order."""

    minutes: int = 0
    evaluations: int = 0
    transitions: list[Transition] = field(default_factory=list)


MetricGate = Callable[[str, str, Mapping[str, str], datetime], "str | None"]


class AlarmEngine:
    """Evaluates the alarms of one account and region of moto; see the module docstring."""

    def __init__(self, account_id: str, region: str, clock: SimulatedClock | None = None) -> None:
        self.account_id = account_id
        self.region = region
        self.clock = clock or SimulatedClock()
        self.store = MetricStore()
        self.notifications: list[SentNotification] = []
        self.transitions: list[Transition] = []
        self.evaluations = 0
        self._compiled: dict[str, _Compiled] = {}
        self._unsupported: dict[str, str] = {}
        self._lock = threading.RLock()
        self._held: list[tuple[datetime, Callable[[], None]]] = []  # SQS messages waiting out DelaySeconds
        self.released_messages = 0  # delayed SQS messages sent so far (a queue worth draining)
        # What the account refuses to store: (namespace, name, dimensions, timestamp) → why, or
        # None. The account sets it (Model Monitor metrics exist only with a run).
        self.metric_gate: MetricGate | None = None
        self.mute_rules = MuteRuleBook()  # PutAlarmMuteRule and friends (cloudwatch.alarm_mute_rules)
        self._muted: dict[str, _MutedChange] = {}  # alarm name → its latest muted change
        self.muted: list[Transition] = []  # every transition whose actions a rule muted

    # -- moto ----------------------------------------------------------------------------------

    @property
    def backend(self) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[self.account_id][self.region]

    def stamp(self) -> datetime | None:
        """The time to write on a state change: simulated time, or None (moto's own wall clock)."""
        return self.clock.now if self.clock.pinned else None

    # -- time ------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """Simulated now (reading it starts the simulation: the clock stops following the wall)."""
        if not self.clock.pinned:
            self.clock.pin()
        return self.clock.now

    def advance(self, delta: timedelta) -> AdvanceReport:
        """Move simulated time by ``delta``, evaluating every alarm at each minute boundary crossed."""
        before, after = self.clock.advance(delta)
        report = AdvanceReport()
        for tick in minute_boundaries(before, after):
            report.minutes += 1
            self._release_held(tick)
            report.transitions.extend(self.release_mutes(tick))
            evaluated, changes = self.evaluate_all(tick)
            report.evaluations += evaluated
            report.transitions.extend(changes)
        return report

    def hold_until(self, due: datetime, release: Callable[[], None]) -> None:
        """Run ``release`` when simulated time reaches ``due`` (SQS delays, see moto_hooks)."""
        with self._lock:
            self._held.append((due, release))

    @property
    def holding(self) -> int:
        """How many delayed SQS messages are waiting for simulated time to reach them."""
        with self._lock:
            return len(self._held)

    def _release_held(self, now: datetime) -> None:
        with self._lock:
            due = [item for item in self._held if item[0] <= now]
            self._held = [item for item in self._held if item[0] > now]
        for _when, release in sorted(due, key=lambda item: item[0]):
            release()
            self.released_messages += 1

    def publish(self, items: Iterable[Any]) -> int:
        """Direct metric path for the traffic simulator (``traffic.Published``); see store.py.
        ValueError (nothing stored) when :attr:`metric_gate` refuses an item."""
        batch = list(items)
        for item in batch:
            self.refuse_metric(item.key.namespace, item.key.name, dict(item.key.dimensions), item.timestamp)
        return self.store.ingest_published(batch)

    def refuse_metric(self, namespace: str, name: str, dimensions: Mapping[str, str], at: datetime) -> None:
        """ValueError naming the rule when the account's :attr:`metric_gate` refuses this metric."""
        why = self.metric_gate(namespace, name, dimensions, at) if self.metric_gate is not None else None
        if why is not None:
            raise ValueError(why)

    def states(self) -> dict[str, str]:
        return {name: alarm.state_value for name, alarm in self.backend.alarms.items()}

    # -- evaluation ------------------------------------------------------------------------------

    def evaluate_all(self, at: datetime) -> tuple[int, list[Transition]]:
        """Evaluate every alarm at ``at`` (metric alarms, then composites); returns (count, transitions)."""
        with self._lock:
            alarms = dict(self.backend.alarms)
            for name in [name for name in self._compiled if name not in alarms]:
                del self._compiled[name]
            changes: list[Transition] = []
            count = 0
            composites: list[_Compiled] = []
            for name, alarm in alarms.items():
                compiled = self._compile(name, alarm)
                if compiled is None:
                    continue
                if compiled.rule is not None:
                    composites.append(compiled)
                    continue
                outcome = self._evaluate_metric(compiled, at)
                count += 1
                change = self._apply(alarm, outcome, at)
                if change is not None:
                    changes.append(change)
            # Composite alarms may name composite alarms: repeat until nothing changes (bounded).
            for _ in range(len(composites) + 1):
                changed = False
                for compiled in composites:
                    change, evaluated = self._evaluate_composite(compiled, alarms, at)
                    count += evaluated
                    if change is not None:
                        changes.append(change)
                        changed = True
                if not changed:
                    break
            self.evaluations += count
            return count, changes

    def _compile(self, name: str, alarm: Any) -> _Compiled | None:
        compiled = self._compiled.get(name)
        if compiled is not None and compiled.alarm is alarm:
            return compiled
        self._unsupported.pop(name, None)
        try:
            if is_composite(alarm):
                compiled = _Compiled(alarm, rule=parse_rule(alarm.rule))
            else:
                described = describe_alarm(alarm)
                config = AlarmConfig.from_describe_alarms(described)
                if config.period < 60:
                    raise ValueError("high-resolution alarms (Period 10 or 30 s) are not evaluated by the emulator")
                if any(q.expression and q.expression.lstrip().upper().startswith("SELECT") for q in config.metrics):
                    raise ValueError("Metrics Insights alarms are not evaluated by the emulator")
                key = None
                if not config.metrics:
                    dims = ((str(d["Name"]), str(d["Value"])) for d in described.get("Dimensions") or ())
                    key = series_key(str(described["Namespace"]), str(described["MetricName"]), dims)
                compiled = _Compiled(alarm, config=config, key=key)
        except ValueError as exc:  # CompositeRuleError and config errors are ValueErrors
            if self._unsupported.get(name) != str(exc):
                _LOG.warning("alarm %s is not evaluated: %s", name, exc)
            self._unsupported[name] = str(exc)
            self._compiled.pop(name, None)
            return None
        self._compiled[name] = compiled
        return compiled

    def _evaluate_metric(self, compiled: _Compiled, at: datetime) -> Outcome:
        assert compiled.config is not None
        if compiled.key is not None:
            return evaluate_metric_alarm(compiled.config, compiled.key, self.store, at)
        return evaluate_math_alarm(compiled.config, self.store, at)

    def _evaluate_composite(
        self, compiled: _Compiled, alarms: Mapping[str, Any], at: datetime
    ) -> tuple[Transition | None, int]:
        assert compiled.rule is not None
        alarm = compiled.alarm
        children: dict[str, ChildState] = {}
        for reference in compiled.rule.children:
            other = alarms.get(_name(reference))
            if other is None:
                _LOG.warning("composite alarm %s names an alarm that does not exist: %s", alarm.name, reference)
                return None, 0
            children[other.name] = ChildState(other.alarm_arn, other.state_value, _aware(other.state_updated_timestamp))
        seen = tuple((name, child.state) for name, child in children.items())
        if seen == compiled.children_seen:
            return None, 0  # CloudWatch re-evaluates a composite when a child changes state
        compiled.children_seen = seen
        try:
            outcome = evaluate_composite_alarm(compiled.rule, children)
        except UnknownChildAlarmError as exc:
            _LOG.warning("composite alarm %s: %s", alarm.name, exc)
            return None, 1
        return self._apply(alarm, outcome, at), 1

    # -- state changes -----------------------------------------------------------------------------

    def _apply(self, alarm: Any, outcome: Outcome, at: datetime) -> Transition | None:
        if outcome.state is None or outcome.state == alarm.state_value:
            return None
        return self.set_state(
            alarm, outcome.state, outcome.reason, outcome.reason_data(), at, outcome.triggering_children
        )

    def set_state(
        self,
        alarm: Any,
        state: str,
        reason: str,
        reason_data: Mapping[str, Any],
        at: datetime,
        triggering_children: Iterable[str] = (),
    ) -> Transition:
        """Write the new state into moto's alarm (previous one into its history) and run the actions."""
        old = alarm.state_value
        # The same tuple moto's Alarm.update_state appends; the DescribeAlarmHistory extension reads it.
        alarm.history.append(
            ("StateUpdate", alarm.state_reason, alarm.state_reason_data, old, alarm.state_updated_timestamp)
        )
        alarm.state_reason = reason
        alarm.state_reason_data = json.dumps(reason_data)
        alarm.state_value = str(state)
        alarm.state_updated_timestamp = at
        return self.record_transition(alarm, old, reason, at, triggering_children)

    def record_transition(
        self, alarm: Any, old: str, reason: str, at: datetime, triggering_children: Iterable[str] = ()
    ) -> Transition:
        """Run the actions of ``alarm``'s (already set) new state and remember the transition."""
        new = str(alarm.state_value)
        rule = self.mute_rules.muting(alarm.name, at)
        if rule is not None:
            transition = Transition(alarm.name, old, new, at, reason, (), muted_by=rule.name)
            with self._lock:
                self._muted[alarm.name] = _MutedChange(old, new, reason, at, tuple(triggering_children))
                self.transitions.append(transition)
                self.muted.append(transition)
            return transition
        with self._lock:
            self._muted.pop(alarm.name, None)
        return self._run_actions(alarm, old, new, reason, at, triggering_children)

    def release_mutes(self, now: datetime) -> list[Transition]:
        """Run the actions of every muted change whose window has ended with the alarm still in
        the state it was muted in (see the module docstring); forget the others."""
        released: list[Transition] = []
        with self._lock:
            pending = dict(self._muted)
        for name, change in pending.items():
            if self.mute_rules.muting(name, now) is not None:
                continue
            with self._lock:
                self._muted.pop(name, None)
            alarm = self.backend.alarms.get(name)
            if alarm is None or alarm.state_value != change.new_state:
                continue
            released.append(
                self._run_actions(
                    alarm,
                    change.old_state,
                    change.new_state,
                    change.reason,
                    change.at,
                    change.triggering_children,
                    released=True,
                    sent_at=now,
                )
            )
        return released

    def _run_actions(
        self,
        alarm: Any,
        old: str,
        new: str,
        reason: str,
        at: datetime,
        triggering_children: Iterable[str],
        *,
        released: bool = False,
        sent_at: datetime | None = None,
    ) -> Transition:
        children = []
        for arn in triggering_children:
            child = self.backend.alarms.get(_name(arn))
            if child is not None:
                since = cloudwatch_time(_aware(child.state_updated_timestamp))
                children.append({"Arn": arn, "State": {"Value": child.state_value, "Timestamp": since}})
        sent = run_actions(
            describe_alarm(alarm),
            old_state=old,
            new_state=new,
            reason=reason,
            at=at,
            triggering_children=children,
            sent_at=sent_at or at,
        )
        transition = Transition(alarm.name, old, new, at, reason, tuple(sent), released=released)
        with self._lock:
            self.notifications.extend(sent)
            if not released:
                self.transitions.append(transition)
        return transition

    def initial_state(self, alarm: Any) -> None:
        """A new alarm starts in INSUFFICIENT_DATA ("Using Amazon CloudWatch alarms": alarm states)."""
        alarm.state_value = AlarmState.INSUFFICIENT_DATA.value
        alarm.state_reason = INITIAL_REASON
        alarm.state_reason_data = "{}"
        stamp = self.stamp()
        if stamp is not None:
            alarm.state_updated_timestamp = stamp
            alarm.configuration_updated_timestamp = stamp


def _name(reference: str) -> str:
    return reference.split(":alarm:", 1)[1] if reference.startswith("arn:") and ":alarm:" in reference else reference


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
