"""The acceptance scenario, written once, run in the emulated account (``make test``) or a real one (``make e2e``).

From nothing to nothing: deploy SageWatch under a unique prefix, create a serverless endpoint,
see its alarms and dashboard appear, drive one alarm to ALARM and back to OK with SetAlarmState
through CloudWatch → SNS AlertTopic → SQS AlertQueue → NotifyFunction into a Slack incoming
webhook, check what the alerts say, delete the endpoint (alarms and dashboard go), delete the
stack, and find nothing of the run left — by name and by tag. docs/e2e.md tells what each
account does at each step.
"""

from __future__ import annotations

from urllib.parse import quote

from tests.e2e.driver import AccountDriver, Alert, Monitoring
from tests.e2e.naming import VARIANT

# Alarms every serverless endpoint gets (docs/alarms.md); the scenario drives the first.
SERVERLESS_ALARMS = ("invocation-5xx-rate", "invocation-4xx-rate", "model-latency-p99")
DRIVEN = "invocation-5xx-rate"
REQUESTS = 20
REASON = "SageWatch acceptance scenario: SetAlarmState"


def step(text: str) -> None:
    print(f"\n== {text}")


def last_hour_line(alert: Alert, label: str) -> str:
    """The line of the alert's "Last hour" metrics block that shows ``label``."""
    for block in alert.payload.get("blocks") or []:
        text = str((block.get("text") or {}).get("text") or "") if isinstance(block, dict) else ""
        if text.startswith("*Last hour*"):
            for line in text.splitlines():
                if line.strip().lstrip("▶ ").startswith(label):
                    return line
    raise AssertionError(f"no {label!r} line in the alert's last-hour metrics: {alert.text[:2000]}")


def assert_links(alert: Alert, driver: AccountDriver, alarm: str) -> None:
    names = driver.names
    links = " ".join(alert.links)
    assert f"alarmsV2:alarm/{quote(alarm, safe='')}" in links, links
    assert f"dashboards/dashboard/{names.endpoint_dashboard}" in links, links
    assert f"#/endpoints/{names.endpoint}" in links, links
    assert "logsV2:log-groups" in links and quote(names.endpoint, safe="") in links, links


def test_from_deploy_to_nothing_left(driver: AccountDriver) -> None:
    names = driver.names
    alarm = f"{names.endpoint_alarm_prefix}{VARIANT}/{DRIVEN}"

    step(f"deploy SageWatch as stack {names.stack} (NamePrefix {names.prefix})")
    driver.deploy_stack()

    step(f"create serverless endpoint {names.endpoint}; its alarms and dashboard appear")
    driver.create_endpoint()
    monitoring = driver.wait_for_monitoring(SERVERLESS_ALARMS)
    assert monitoring.dashboards == (names.endpoint_dashboard,)
    assert all(name.startswith(f"{names.endpoint_alarm_prefix}{VARIANT}/") for name in monitoring.alarms)
    # A serverless endpoint has no instances: no CPU or disk alarm (docs/alarms.md).
    assert not any(name.endswith(("/cpu-utilization", "/disk-utilization")) for name in monitoring.alarms)

    step(f"{REQUESTS} requests, so that the alert has recent metrics to show")
    driver.send_traffic(REQUESTS)

    step(f"SetAlarmState ALARM on {alarm}: CloudWatch → SNS → SQS → NotifyFunction → Slack")
    driver.set_alarm_state(alarm, "ALARM", REASON)
    fired = driver.wait_for_alert(alarm, "ALARM")
    text = fired.text
    assert names.endpoint in text and VARIANT in text
    assert "5XX error rate" in text  # the signal, in words
    assert REASON in text  # CloudWatch's NewStateReason, passed through
    assert "no data" not in last_hour_line(fired, "Invocations")  # enriched with the endpoint's metrics
    assert_links(fired, driver, alarm)

    step(f"SetAlarmState OK on {alarm}: the resolution follows")
    driver.set_alarm_state(alarm, "OK", "SageWatch acceptance scenario: back to OK")
    resolved = driver.wait_for_alert(alarm, "OK")
    assert names.endpoint in resolved.text and "Resolved" in resolved.text
    assert_links(resolved, driver, alarm)

    step(f"delete endpoint {names.endpoint}: its alarms and dashboard go")
    driver.delete_endpoint()
    assert driver.wait_for_monitoring_removed() == Monitoring((), ())

    step(f"delete stack {names.stack}, then the run's own fixtures: nothing of {names.prefix} is left")
    driver.delete_stack()
    assert driver.clean_up() == []
    assert driver.leftovers() == []
