"""The emulated account's clock and CloudWatch alarm evaluation (docs/emulated-account.md).

moto stores alarms and never changes their state. The engine gives the account a simulated
clock; at every minute boundary it evaluates every alarm over the account's metric data (the
rules of :mod:`sagewatch_evaluation`), sets the state and history in moto, and publishes
CloudWatch's notification to the new state's actions through moto's SNS, so it travels the
stack's real wiring (AlertTopic → AlertQueue → ``drain_queue`` → NotifyFunction).

- :mod:`.clock` — wall time until a simulation starts, then simulated minutes;
- :mod:`.store` — metric data indexed by series and minute, fed by PutMetricData and directly by
  the traffic simulator, with cached per-period statistics;
- :mod:`.evaluate` — one alarm at one minute (metric, math, anomaly, composite);
- :mod:`.publish` — the alarm's actions: the notification to its SNS topics;
- :mod:`.engine` — ties them together per minute; :mod:`.moto_hooks` — the moto patches.
"""

from sagewatch_emulator.alarm_engine.clock import DEFAULT_LEAD, ClockError, SimulatedClock, default_origin
from sagewatch_emulator.alarm_engine.engine import AdvanceReport, AlarmEngine, Transition
from sagewatch_emulator.alarm_engine.moto_hooks import install_alarm_engine
from sagewatch_emulator.alarm_engine.publish import SentNotification
from sagewatch_emulator.alarm_engine.store import MetricStore

__all__ = [
    "DEFAULT_LEAD",
    "AdvanceReport",
    "AlarmEngine",
    "ClockError",
    "MetricStore",
    "SentNotification",
    "SimulatedClock",
    "Transition",
    "default_origin",
    "install_alarm_engine",
]
