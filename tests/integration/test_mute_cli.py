"""`sagewatch mute add | list | end` against the emulated account (through --endpoint-url): the
round trip, a team's window over more than 100 alarms split into rules, and one-line errors."""

from __future__ import annotations

import pytest

from sagewatch_cli import main as cli
from sagewatch_emulator import EmulatedAccount, VariantSpec

pytestmark = pytest.mark.integration


def run(account: EmulatedAccount, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([*argv, "--endpoint-url", account.endpoint_url, "--region", account.region])
    out, err = capsys.readouterr()
    return code, out, err


def sync(account: EmulatedAccount, capsys: pytest.CaptureFixture[str], *endpoints: str) -> None:
    topic = ["--alert-topic-arn", account.physical_id("AlertTopic"), "--write-tps", "0", "--no-dashboards"]
    code, _, err = run(account, capsys, "sync", *endpoints, *topic)
    assert code == cli.EXIT_OK, err


def targets(account: EmulatedAccount) -> dict[str, list[str]]:
    cloudwatch = account.client("cloudwatch")
    rules = cloudwatch.list_alarm_mute_rules()["AlarmMuteRuleSummaries"]
    names = [r["AlarmMuteRuleArn"].rsplit(":", 1)[1] for r in rules]
    return {n: cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName=n)["MuteTargets"]["AlarmNames"] for n in names}


def test_add_list_end_round_trip(account: EmulatedAccount, capsys: pytest.CaptureFixture[str]) -> None:
    account.create_endpoint("fraud-scorer", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)])
    sync(account, capsys, "fraud-scorer")

    code, out, err = run(
        account,
        capsys,
        "mute",
        "add",
        "fraud-scorer",
        "--start",
        "2030-06-01T22:00",
        "--duration",
        "2h",
        "--timezone",
        "Europe/Paris",
    )
    assert code == cli.EXIT_OK, err
    assert "SageWatch-quiet-fraud-scorer: 6 alarm(s) of fraud-scorer muted at(2030-06-01T22:00) for PT2H" in out
    [(name, alarms)] = targets(account).items()
    assert name == "SageWatch-quiet-fraud-scorer"
    assert len(alarms) == 6 and all(a.startswith("SageWatch/fraud-scorer/") for a in alarms)
    rule = account.client("cloudwatch").get_alarm_mute_rule(AlarmMuteRuleName=name)
    assert rule["Rule"]["Schedule"] == {
        "Expression": "at(2030-06-01T22:00)",
        "Duration": "PT2H",
        "Timezone": "Europe/Paris",
    }

    code, out, _ = run(account, capsys, "mute", "list")
    assert code == cli.EXIT_OK
    assert out.splitlines() == [
        "SageWatch-quiet-fraud-scorer  SCHEDULED  at(2030-06-01T22:00) for PT2H (Europe/Paris)  6 alarm(s)"
    ]

    code, out, _ = run(account, capsys, "mute", "end", "fraud-scorer")
    assert (code, out.strip()) == (cli.EXIT_OK, "SageWatch-quiet-fraud-scorer: ended (1 rule(s) deleted)")
    assert targets(account) == {}
    code, _, err = run(account, capsys, "mute", "end", "fraud-scorer")
    assert code == cli.EXIT_NOT_FOUND
    assert err.count("\n") == 1 and "no quiet window 'SageWatch-quiet-fraud-scorer'" in err


def test_a_team_over_100_alarms_is_split_into_rules(
    account: EmulatedAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    # 18 endpoints x 6 alarms = 108 alarms for team payments; one more endpoint of another team.
    names = [f"pay-{i:02d}" for i in range(18)]
    for name in names:
        account.create_endpoint(
            name, variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)], tags={"sagewatch:team": "payments"}
        )
    account.create_endpoint(
        "search", variants=[VariantSpec("AllTraffic", "ml.m5.xlarge", 2)], tags={"sagewatch:team": "search"}
    )
    sync(account, capsys, *names, "search")

    code, out, err = run(
        account, capsys, "mute", "add", "--team", "payments", "--cron", "0 2 * * SUN", "--duration", "4h"
    )
    assert code == cli.EXIT_OK, err
    assert "SageWatch-quiet-team-payments: 108 alarm(s)" in out and "2 rules" in out
    rules = targets(account)
    assert sorted(rules) == ["SageWatch-quiet-team-payments-1-of-2", "SageWatch-quiet-team-payments-2-of-2"]
    assert [len(a) for a in rules.values()] == [100, 8]
    muted = {a for alarms in rules.values() for a in alarms}
    assert len(muted) == 108 and not any(a.startswith("SageWatch/search/") for a in muted)

    code, out, _ = run(account, capsys, "mute", "list")
    assert "SageWatch-quiet-team-payments  SCHEDULED  cron(0 2 * * SUN) for PT4H (UTC)  108 alarm(s), 2 rules" in out
    code, out, _ = run(account, capsys, "mute", "end", "team-payments")
    assert "2 rule(s) deleted" in out and targets(account) == {}


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["fraud-scorer", "--cron", "0 2 * *", "--duration", "1h"], 2, "it needs 5"),
        (["fraud-scorer", "--cron", "0 2 * * FUNDAY", "--duration", "1h"], 2, "day-of-week 'FUNDAY'"),
        (["fraud-scorer", "--duration", "1h", "--timezone", "Europe/Parris"], 2, "not an IANA time zone"),
        (["fraud-scorer", "--duration", "16d"], 2, "1 minute to 15 days"),
        (["no-such-endpoint", "--duration", "1h"], 3, "endpoint 'no-such-endpoint' has no SageWatch alarms"),
        (["--team", "nobody", "--duration", "1h"], 3, "no endpoint in us-east-1 is tagged sagewatch:team=nobody"),
    ],
)
def test_mistakes_are_one_line(
    account: EmulatedAccount, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, words: str
) -> None:
    got, _, err = run(account, capsys, "mute", "add", *argv)
    assert got == code
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
