from __future__ import annotations

from sagewatch.core.fleet.overview import ErrorRate, render_overview, top_error_rates


def test_rates_are_errors_over_invocations_and_idle_or_clean_endpoints_are_left_out() -> None:
    errors = {"a": 50.0, "b": 5.0, "c": 0.0, "idle": 3.0}
    invocations = {"a": 10_000.0, "b": 20.0, "c": 500.0, "idle": 0.0}
    rates = top_error_rates(errors, invocations, limit=10)
    assert [r.endpoint for r in rates] == ["b", "a"]  # 25 % beats 0.5 % although a has more errors
    assert rates[0].percent == 25.0
    assert len(top_error_rates({f"e{i}": 1.0 for i in range(30)}, {f"e{i}": 10.0 for i in range(30)}, limit=10)) == 10


def test_overview_escapes_names_and_links_only_parsed_endpoints() -> None:
    alarms = [
        {
            "AlarmName": "SageWatch/fraud-scorer/AllTraffic/model-latency-p99",
            "StateUpdatedTimestamp": "2026-11-28T03:12:00",
        },
        {"AlarmName": "someone-else <script>alert(1)</script>"},
    ]
    html = render_overview(
        alarms, [ErrorRate("fraud-scorer", 5, 100)], region="us-east-1", prefix="SageWatch", missing=["x <b>"]
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "dashboards/dashboard/SageWatch_us-east-1_fraud-scorer" in html
    assert html.count("(<a href=") == 1  # only the SageWatch alarm gets a dashboard link
    assert "5.00 %" in html and "x &lt;b&gt;" in html


def test_empty_fleet_says_so() -> None:
    html = render_overview([], [], region="us-east-1", prefix="SageWatch")
    assert "None: every managed alarm is OK" in html and "No endpoint returned 5XX errors" in html
