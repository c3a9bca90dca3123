"""The routing table in the policy parameter, and every alarm key's default severity."""

from __future__ import annotations

import pytest

from sagewatch.core.alerting.routes import Route
from sagewatch.core.alerting.routing import Destinations, route
from sagewatch.core.alerting.severity import DEFAULT_SEVERITY, Severity, alarm_severity
from sagewatch.core.monitoring.alarm_catalog import ALARM_KEYS
from sagewatch.core.monitoring.policy import Policy
from sagewatch.core.shared.alarm_context import AlarmContext, split_description
from sagewatch.core.shared.errors import InvalidPolicyError

DEFAULTS = Destinations(slack_secrets=("sagewatch/slack",), email_recipients=("oncall@example.com",))


def test_every_alarm_key_has_a_default_severity() -> None:
    assert set(DEFAULT_SEVERITY) == set(ALARM_KEYS)


def test_an_override_wins_and_an_invalid_one_is_ignored() -> None:
    assert alarm_severity("cpu-utilization") is Severity.NOTIFY
    assert alarm_severity("cpu-utilization", "PAGE ") is Severity.PAGE
    assert alarm_severity("model-latency-p99", "loud") is Severity.PAGE
    assert alarm_severity(None) is Severity.NOTIFY


def test_a_policy_with_routes_parses_into_the_table() -> None:
    policy = Policy.from_document(
        {
            "routes": {
                "payments": {"pagerduty": "sagewatch/pd-payments", "slack": ["sagewatch/slack-payments"]},
                "ml-platform": {"teams": "sagewatch/teams-ml", "email": "ml@example.com"},
            }
        }
    )
    assert policy.routes.route("payments") == Route(
        slack=("sagewatch/slack-payments",), pagerduty=("sagewatch/pd-payments",)
    )
    assert policy.routes.route("ml-platform") == Route(teams=("sagewatch/teams-ml",), email=("ml@example.com",))
    assert policy.routes.route("nobody") is None and policy.routes.route(None) is None


@pytest.mark.parametrize(
    ("routes", "named"),
    [
        ([], "policy.routes must be an object"),
        ({"pay ments": {"slack": "x"}}, "policy.routes.pay ments: a team name"),
        ({"payments": "sagewatch/x"}, "policy.routes.payments must be an object"),
        ({"payments": {"pager": "x", "slack": "y"}}, "policy.routes.payments: unknown field(s) pager"),
        ({"payments": {"slack": 3}}, "policy.routes.payments.slack must be a non-empty string"),
        ({"payments": {"slack": "has space"}}, "policy.routes.payments.slack: 'has space' is not a Secrets Manager"),
        ({"payments": {"slack": "s", "email": "nope"}}, "policy.routes.payments.email: 'nope'"),
        ({"payments": {"pagerduty": "sagewatch/pd"}}, "policy.routes.payments: needs at least one of slack, teams"),
    ],
)
def test_an_invalid_table_names_the_field(routes: object, named: str) -> None:
    with pytest.raises(InvalidPolicyError) as raised:
        Policy.from_document({"routes": routes})
    assert named in str(raised.value)


def test_a_team_route_replaces_the_defaults_and_pagerduty_is_for_pages_only() -> None:
    team = Route(slack=("sagewatch/slack-payments",), pagerduty=("sagewatch/pd",), teams=("sagewatch/teams",))
    paged = route(AlarmContext(team="payments"), DEFAULTS, team, Severity.PAGE)
    assert paged == Destinations(("sagewatch/slack-payments",), (), ("sagewatch/pd",), ("sagewatch/teams",))
    told = route(AlarmContext(team="payments"), DEFAULTS, team, Severity.NOTIFY)
    assert told.pagerduty_secrets == () and told.teams_secrets == ("sagewatch/teams",)
    # The endpoint's own Slack secret still replaces its route's Slack.
    own = route(AlarmContext(team="payments", slack="sagewatch/own"), DEFAULTS, team, Severity.PAGE)
    assert own.slack_secrets == ("sagewatch/own",) and own.pagerduty_secrets == ("sagewatch/pd",)
    # Without a route: today's defaults, exactly.
    assert route(None, DEFAULTS) == DEFAULTS and route(AlarmContext(), DEFAULTS, None, Severity.PAGE) == DEFAULTS


def test_team_and_severity_travel_in_the_trailer_and_are_absent_when_untagged() -> None:
    context = AlarmContext(kind="real-time", team="payments", severity="page")
    assert context.encode() == "[sagewatch kind=real-time team=payments sev=page]"
    _, parsed = split_description("Latency. " + context.encode())
    assert parsed is not None and (parsed.team, parsed.severity) == ("payments", "page")
    assert "team" not in AlarmContext(kind="real-time").encode()


def test_team_and_severity_tags_reach_each_alarms_trailer() -> None:
    from sagewatch.core.monitoring.alarms import desired_alarms
    from sagewatch.core.monitoring.tags import overrides_from_tags
    from tests.unit.factories import profile

    overrides = overrides_from_tags(
        {"sagewatch:team": "payments", "sagewatch:severity:cpu-utilization": "page", "sagewatch:severity:x": "page"}
    )
    assert overrides.team == "payments" and any("unknown alarm key 'x'" in p for p in overrides.problems)
    specs = desired_alarms(
        profile(), Policy(), "SageWatch", team=overrides.team, severities=overrides.severities
    ).alarms
    trailers = {s.key: split_description(s.description)[1] for s in specs}
    assert all(c is not None and c.team == "payments" for c in trailers.values())
    assert trailers["cpu-utilization"].severity == "page"  # type: ignore[union-attr]
    assert trailers["model-latency-p99"].severity is None  # type: ignore[union-attr]
    untagged = desired_alarms(profile(), Policy(), "SageWatch").alarms
    assert not any("team=" in s.description or "sev=" in s.description for s in untagged)


def test_a_bad_team_tag_is_reported_and_ignored() -> None:
    from sagewatch.core.monitoring.tags import overrides_from_tags

    overrides = overrides_from_tags({"sagewatch:team": "two words", "sagewatch:severity:cpu-utilization": "loud"})
    assert overrides.team is None and not overrides.severities and len(overrides.problems) == 2
