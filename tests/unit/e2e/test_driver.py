"""What the scenario reads from the drivers (tests/e2e/driver.py): monitoring completeness and alert links."""

from __future__ import annotations

from tests.e2e.driver import Alert, Monitoring
from tests.e2e.naming import RunNames

NAMES = RunNames("sw-e2e-12070245-a1b2", "eu-west-1")
ALARM_5XX = f"{NAMES.endpoint_alarm_prefix}AllTraffic/invocation-5xx-rate"
ALARM_P99 = f"{NAMES.endpoint_alarm_prefix}AllTraffic/model-latency-p99"


def test_monitoring_is_complete_only_with_every_alarm_asked_for_and_the_dashboard() -> None:
    keys = ("invocation-5xx-rate", "model-latency-p99")
    assert Monitoring((ALARM_5XX, ALARM_P99), (NAMES.endpoint_dashboard,)).has(NAMES, keys)
    assert not Monitoring((ALARM_5XX,), (NAMES.endpoint_dashboard,)).has(NAMES, keys)  # onboarding half way
    assert not Monitoring((ALARM_5XX, ALARM_P99), ()).has(NAMES, keys)  # no dashboard yet
    assert Monitoring((), ()).empty and not Monitoring((ALARM_5XX,), ()).empty


def test_alert_links_are_the_buttons_of_the_message() -> None:
    alert = Alert(
        {
            "text": "ALARM: x",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "<https://not-a-button|no>"}},
                {"type": "actions", "elements": [{"type": "button", "url": "https://a"}, {"type": "button"}]},
            ],
        }
    )
    assert alert.links == ["https://a"]
    assert "ALARM: x" in alert.text
