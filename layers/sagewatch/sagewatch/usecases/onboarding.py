"""Onboard, re-fit and offboard one endpoint: read it, derive what it needs, apply the difference."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from sagewatch.config import MonitoringConfig
from sagewatch.core.model_monitor.schedule_events import ScheduleStateChange
from sagewatch.core.monitoring.alarm_spec import AlarmSpec
from sagewatch.core.monitoring.alarms import LATENCY_KEY, desired_alarms
from sagewatch.core.monitoring.component_events import ComponentChange, endpoint_of_component_alarms
from sagewatch.core.monitoring.dashboard import build_dashboard, dashboard_body_json
from sagewatch.core.monitoring.diff import DashboardAction, Plan, plan_changes
from sagewatch.core.monitoring.events import EndpointStateChange
from sagewatch.core.monitoring.notes import is_problem
from sagewatch.core.monitoring.profile import EndpointProfile
from sagewatch.core.monitoring.tags import EndpointOverrides, overrides_from_tags
from sagewatch.core.shared.errors import EndpointNotFoundError
from sagewatch.core.shared.naming import alarm_prefix, dashboard_name, legacy_dashboard_name
from sagewatch.usecases.latency_traffic import TrafficHistoryPort, fits_for
from sagewatch.usecases.model_monitor.drift_metrics import with_drift_metrics
from sagewatch.usecases.onboarding_ports import AlarmsAndDashboardsPort, AppliedStatesPort, EndpointsPort, NoticesPort

log = logging.getLogger(__name__)


@dataclass
class OnboardResult:
    endpoint: str
    outcome: str  # onboarded | unchanged | removed | opted-out | skipped | failed
    reason: str = ""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    dashboard: str = DashboardAction.ABSENT.value
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Read:
    """One read of an endpoint, with what was derived from it once."""

    profile: EndpointProfile
    overrides: EndpointOverrides  # its tags, parsed
    existing_alarms: list[dict[str, Any]] | None  # listed for the latency fit, else None


class Onboarding:
    def __init__(
        self,
        sagemaker: EndpointsPort,
        cloudwatch: AlarmsAndDashboardsPort,
        settings: MonitoringConfig,
        notices: NoticesPort | None = None,
        state: AppliedStatesPort | None = None,
        *,
        traffic: TrafficHistoryPort | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    ) -> None:
        self._sagemaker = sagemaker
        self._cloudwatch = cloudwatch
        self._settings = settings
        self._notices = notices
        # GetMetricData for the traffic the latency alarms are fitted to (core.monitoring.latency_fit);
        # without it every latency alarm gets the provisional class.
        self._traffic = traffic
        self._now = now
        # When given, what was applied is recorded per endpoint, so that a fleet reconcile can
        # tell "unchanged" from bulk reads alone (see sagewatch.core.fleet.plan).
        self._state = state

    @property
    def policy_version(self) -> str:
        return self._settings.policy_version

    def on_schedule_change(self, change: ScheduleStateChange) -> OnboardResult:
        """A monitoring schedule came, changed or went: re-fit the endpoint it monitors.

        The endpoint comes from the event, else from the schedule (DescribeMonitoringSchedule),
        else — the schedule is gone — from what SageWatch last applied (the state table).
        """
        endpoint = change.endpoint_name
        if endpoint is None:
            described = self._sagemaker.describe_monitoring_schedule(change.schedule_name)
            endpoint = str(described.get("EndpointName") or "") if described else None
        if not endpoint and self._state is not None:
            states, _ = self._state.scan()
            endpoint = next(
                (s.endpoint for s in states.values() if change.schedule_name in s.monitoring_schedules), None
            )
        if not endpoint:
            reason = f"monitoring schedule {change.schedule_name} names no endpoint SageWatch knows"
            log.info("%s; the reconcile catches any change", reason)
            return OnboardResult(change.schedule_name, "skipped", reason)
        log.info(
            "monitoring schedule %s is %s: re-fitting endpoint %s",
            change.schedule_name,
            change.status or "changed",
            endpoint,
            extra={"endpoint": endpoint},
        )
        return self.onboard(endpoint)

    def _dashboard(self, endpoint_name: str) -> str:
        """This region's dashboard of the endpoint (dashboards are account-wide, names carry the region)."""
        return dashboard_name(self._settings.name_prefix, self._settings.region, endpoint_name)

    def read_profile(self, endpoint_name: str) -> EndpointProfile:
        """The endpoint as SageMaker describes it, with its schedules' drift metrics (ListMetrics)
        and its latency alarms fitted to their traffic (GetMetricData)."""
        return self._read(endpoint_name).profile

    def _read(self, endpoint_name: str) -> _Read:
        """One read of the endpoint: its profile, its tags parsed (once), and its alarms when they
        were listed for the latency fit."""
        profile = self._sagemaker.read_profile(endpoint_name)
        profile = with_drift_metrics(self._cloudwatch, profile, self._settings.policy.drift_features_per_schedule)
        overrides = overrides_from_tags(profile.tags)
        profile, existing = self._with_latency_fits(profile, overrides)
        return _Read(profile, overrides, existing)

    def _with_latency_fits(
        self, profile: EndpointProfile, overrides: EndpointOverrides
    ) -> tuple[EndpointProfile, list[dict[str, Any]] | None]:
        """Fit each latency alarm to its target's traffic: one GetMetricData for all of them, and
        the existing alarms (DescribeAlarms) for the class each has now (the hysteresis)."""
        if self._traffic is None or not overrides.enabled or not self._settings.create_alarms:
            return profile, None
        policy = overrides.apply(self._settings.policy)
        specs = desired_alarms(profile, policy, self._settings.name_prefix).alarms
        targets = [(s.name, s.metric.dimensions) for s in specs if s.key == LATENCY_KEY and s.metric is not None]
        if not targets:
            return profile, None
        existing = self._cloudwatch.list_alarms(alarm_prefix(self._settings.name_prefix, profile.name))
        by_name = {str(alarm.get("AlarmName")): alarm for alarm in existing}
        fits = fits_for(self._traffic, targets, by_name, self._now())
        return replace(profile, latency_fits=MappingProxyType(fits)), existing

    def plan(self, profile: EndpointProfile) -> Plan:
        """What onboarding would change for this endpoint (reads only)."""
        return self._compare(profile.name, *self.desired(profile))

    def _compare(
        self,
        endpoint_name: str,
        specs: tuple[AlarmSpec, ...],
        body: str | None,
        notes: list[str],
        existing: Sequence[Mapping[str, Any]] | None = None,
    ) -> Plan:
        """The plan that turns what exists (DescribeAlarms, GetDashboard) into what is desired."""
        prefix = self._settings.name_prefix
        if existing is None:
            existing = self._cloudwatch.list_alarms(alarm_prefix(prefix, endpoint_name))
        existing_body = self._cloudwatch.get_dashboard_body(self._dashboard(endpoint_name))
        return plan_changes(specs, existing, self._settings.alarm_actions, body, existing_body, notes)

    def desired(
        self, profile: EndpointProfile, overrides: EndpointOverrides | None = None
    ) -> tuple[tuple[AlarmSpec, ...], str | None, list[str]]:
        """(desired alarms, desired dashboard body or None, notes): pure, no AWS call.
        ``overrides``: the profile's tags when the caller has parsed them already."""
        prefix = self._settings.name_prefix
        if overrides is None:
            overrides = overrides_from_tags(profile.tags)
        wanted = overrides.enabled
        notes: list[str] = list(overrides.problems)
        specs: tuple[AlarmSpec, ...] = ()
        if wanted and self._settings.create_alarms:
            desired = desired_alarms(
                profile,
                overrides.apply(self._settings.policy),
                prefix,
                slack_secret=overrides.slack_secret,
                email=overrides.email,
                team=overrides.team,
                severities=overrides.severities,
            )
            specs = desired.alarms
            notes.extend(desired.notes)
        for note in notes:  # information at INFO (every re-fit tells it), problems as WARNING
            level = logging.WARNING if is_problem(note) else logging.INFO
            log.log(level, "endpoint %s: %s", profile.name, note, extra={"endpoint": profile.name})
        body: str | None = None
        if wanted and self._settings.create_dashboards:
            body = dashboard_body_json(build_dashboard(profile, specs, prefix=prefix))
        return specs, body, notes

    def onboard(self, endpoint_name: str) -> OnboardResult:
        try:
            read = self._read(endpoint_name)
        except EndpointNotFoundError:
            return self.offboard(endpoint_name, "endpoint no longer exists")
        profile, overrides = read.profile, read.overrides
        status = profile.status
        if status == "Deleting":
            return self.offboard(endpoint_name, "endpoint is being deleted")
        if status == "Failed":
            return self._failed(profile.name, profile.region, profile.account_id, profile.failure_reason, overrides)
        if status != "InService":
            reason = f"endpoint is {status}; it is re-fitted when it is InService again"
            log.info("endpoint %s skipped: %s", endpoint_name, reason, extra={"endpoint": endpoint_name})
            return OnboardResult(endpoint_name, "skipped", reason)
        specs, body, notes = self.desired(profile, overrides)
        plan = self._compare(profile.name, specs, body, notes, read.existing_alarms)
        result = self.apply(endpoint_name, plan)
        opted_out = not overrides.enabled
        if opted_out:
            result.outcome, result.reason = "opted-out", "tag sagewatch:enabled=false"
        if self._state is not None:
            # The worker's record of what it applied (the event path keeps no state: not imported there).
            from sagewatch.core.fleet.plan import AppliedState, alarm_digest, body_digest, timestamp

            actions = self._settings.alarm_actions
            self._state.record(
                AppliedState(
                    endpoint=profile.name,
                    last_modified=timestamp(profile.last_modified),
                    policy=self.policy_version,
                    alarms={spec.name: alarm_digest(spec.put_kwargs(actions)) for spec in specs},
                    dashboard=body_digest(body) if body is not None else None,
                    opted_out=opted_out,
                    schedules=profile.monitoring_fingerprint,
                    monitoring_schedules=tuple(s.name for s in profile.monitoring_schedules),
                    components=tuple(sorted(c for v in profile.variants for c in v.inference_components)),
                )
            )
        return result

    def apply(self, endpoint_name: str, plan: Plan) -> OnboardResult:
        actions = self._settings.alarm_actions
        for change in plan.puts:
            self._cloudwatch.put_alarm(change.spec, actions)
            log.info("alarm %s: %s", change.spec.name, change.reason, extra={"endpoint": endpoint_name})
        if plan.delete:
            self._cloudwatch.delete_alarms(plan.delete)
            log.info(
                "deleted %d alarm(s) of %s",
                len(plan.delete),
                endpoint_name,
                extra={"endpoint": endpoint_name},
            )
        board = self._dashboard(endpoint_name)
        if plan.dashboard in (DashboardAction.CREATE, DashboardAction.UPDATE) and plan.dashboard_body is not None:
            self._cloudwatch.put_dashboard(board, plan.dashboard_body)
            if plan.dashboard is DashboardAction.CREATE:
                self._remove_old_style_dashboard(endpoint_name)
        elif plan.dashboard is DashboardAction.DELETE:
            self._cloudwatch.delete_dashboard(board)
        outcome = "unchanged" if plan.is_noop else "onboarded"
        result = OnboardResult(
            endpoint=endpoint_name,
            outcome=outcome,
            created=[c.spec.name for c in plan.create],
            updated=[c.spec.name for c in plan.update],
            deleted=list(plan.delete),
            unchanged=len(plan.unchanged),
            dashboard=plan.dashboard.value,
            notes=list(plan.notes),
        )
        log.info(
            "endpoint %s %s: %d created, %d updated, %d deleted, %d unchanged, dashboard %s",
            endpoint_name,
            outcome,
            len(result.created),
            len(result.updated),
            len(result.deleted),
            result.unchanged,
            result.dashboard,
            extra={"endpoint": endpoint_name},
        )
        return result

    def _remove_old_style_dashboard(self, endpoint_name: str) -> None:
        """Migration: the dashboard named before names carried the region goes when its successor
        is written (core.shared.naming). Looked up first, so a fresh endpoint costs a read, not a
        failing delete."""
        old = legacy_dashboard_name(self._settings.name_prefix, endpoint_name)
        if self._cloudwatch.get_dashboard_body(old) is not None:
            self._cloudwatch.delete_dashboard(old)
            log.info("old-style dashboard %s removed", old, extra={"endpoint": endpoint_name})

    def offboard(self, endpoint_name: str, reason: str) -> OnboardResult:
        """Remove every alarm and the dashboard of an endpoint. Safe to repeat."""
        prefix = self._settings.name_prefix
        existing = self._cloudwatch.list_alarms(alarm_prefix(prefix, endpoint_name))
        names = [str(a["AlarmName"]) for a in existing]
        if names:
            self._cloudwatch.delete_alarms(names)
        board = self._dashboard(endpoint_name)
        had_dashboard = self._cloudwatch.get_dashboard_body(board) is not None
        if had_dashboard:
            self._cloudwatch.delete_dashboard(board)
        if self._state is not None:
            self._state.forget(endpoint_name)
        log.info(
            "endpoint %s offboarded (%s): %d alarm(s) and %s dashboard removed",
            endpoint_name,
            reason,
            len(names),
            "its" if had_dashboard else "no",
            extra={"endpoint": endpoint_name},
        )
        return OnboardResult(
            endpoint=endpoint_name,
            outcome="removed",
            reason=reason,
            deleted=names,
            dashboard=(DashboardAction.DELETE if had_dashboard else DashboardAction.ABSENT).value,
        )

    def component_changed(self, change: ComponentChange) -> OnboardResult:
        """An inference component was created, updated or deleted: re-fit the endpoint hosting it.

        The endpoint is named by CreateInferenceComponent; otherwise DescribeInferenceComponent
        tells, and for a component already gone the alarms SageWatch applied to it do. Re-fitting
        is idempotent, so a repeated or late event costs reads and no writes.
        """
        component = change.component
        if change.error_code is not None or component is None:
            return OnboardResult(
                change.endpoint or "", "skipped", f"{change.operation} failed ({change.error_code}): nothing changed"
            )
        endpoint = change.endpoint
        if endpoint is None:
            described = self._sagemaker.describe_component(component)
            endpoint = str(described["EndpointName"]) if described and described.get("EndpointName") else None
        if endpoint is None:
            names = (str(a["AlarmName"]) for a in self._cloudwatch.list_alarms(f"{self._settings.name_prefix}/"))
            endpoint = endpoint_of_component_alarms(self._settings.name_prefix, names, component)
        if endpoint is None:
            reason = f"inference component {component} is gone and SageWatch watched it on no endpoint"
            log.info("%s: %s", change.operation, reason)
            return OnboardResult("", "skipped", reason)
        log.info(
            "inference component %s: %s; re-fitting endpoint %s",
            component,
            change.operation,
            endpoint,
            extra={"endpoint": endpoint},
        )
        return self.onboard(endpoint)

    def hold_during_deployment(self, change: EndpointStateChange) -> OnboardResult:
        """UPDATING or SYSTEM_UPDATING: mute the actions of the endpoint's alarms a deployment moves
        (``HELD_DURING_DEPLOYMENT``) for ``DEPLOYMENT_HOLD`` from the event, with an alarm mute
        rule: CloudWatch keeps evaluating them and, when the window ends with one still in ALARM,
        runs its actions then ("How alarm mute rules work"). Errors and latency are never held."""
        from sagewatch.core.monitoring.mute_rules import HELD_DURING_DEPLOYMENT, deployment_hold
        from sagewatch.core.shared.naming import alarm_prefix, parse_alarm_name

        name, prefix = change.endpoint_name, self._settings.name_prefix
        held = []
        for alarm in self._cloudwatch.list_alarms(alarm_prefix(prefix, name)):
            parsed = parse_alarm_name(prefix, str(alarm["AlarmName"]))
            if parsed is not None and parsed[2] in HELD_DURING_DEPLOYMENT:
                held.append(str(alarm["AlarmName"]))
        if not held:
            return OnboardResult(name, "skipped", f"status {change.status}: no alarm of it is held during a deployment")
        plans = deployment_hold(prefix, name, change.time or self._now(), held)
        for plan in plans:
            self._cloudwatch.put_mute_rule(plan.name, plan.window.schedule(), plan.alarms, plan.description)
        log.info(
            "%s %s: %d alarm(s) held until %s",
            name,
            change.status,
            len(held),
            plans[0].window.expression,
            extra={"endpoint": name},
        )
        result = OnboardResult(name, "held", f"status {change.status}: {len(held)} alarm(s) held for the deployment")
        result.notes.append(f"mute rule(s): {', '.join(p.name for p in plans)}")
        return result

    def report_failure(self, change: EndpointStateChange) -> OnboardResult:
        """A FAILED event: the event carries the reason; the endpoint (if still there) carries the
        routing tags, else the event's tags route it."""
        try:
            profile = self._sagemaker.read_profile(change.endpoint_name)
        except EndpointNotFoundError:
            return self._failed(
                change.endpoint_name,
                change.region or "",
                change.account or "",
                change.failure_reason,
                overrides_from_tags(change.tags),
            )
        reason = change.failure_reason or profile.failure_reason
        return self._failed(profile.name, profile.region, profile.account_id, reason, overrides_from_tags(profile.tags))

    def _failed(
        self, endpoint_name: str, region: str, account: str, failure_reason: str | None, overrides: EndpointOverrides
    ) -> OnboardResult:
        reason = failure_reason or "no FailureReason given"
        log.error("endpoint %s failed: %s", endpoint_name, reason, extra={"endpoint": endpoint_name})
        result = OnboardResult(endpoint_name, "failed", reason)
        if self._notices is not None:
            # Through the alert topic, so a failure reaches people by the same path as an alarm.
            from sagewatch.core.alerting.notification import failure_notice_message  # failures only

            message = failure_notice_message(
                endpoint_name,
                region,
                account,
                reason,
                datetime.now(tz=UTC),
                overrides.slack_secret,
                overrides.email,
                overrides.team,
            )
            message_id = self._notices.publish(f"SageMaker endpoint {endpoint_name} failed", message)
            result.notes.append(f"failure alert published ({message_id})")
        return result
