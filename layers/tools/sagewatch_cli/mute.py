"""``sagewatch mute add|list|end``: quiet windows as CloudWatch alarm mute rules.

    sagewatch mute add fraud-scorer --start 2026-06-01T22:00 --duration 2h
    sagewatch mute add --team payments --cron "0 2 * * SUN" --duration 4h --timezone Europe/Paris
    sagewatch mute list
    sagewatch mute end fraud-scorer

``add`` mutes the actions of an endpoint's SageWatch alarms (``<prefix>/<endpoint>/``), or of
every endpoint tagged ``sagewatch:team=<team>``, for a one-off window (``--start``, default now)
or a recurring one (``--cron``), ``--duration`` long, read in ``--timezone`` (default UTC). The
alarms keep evaluating; only their actions are muted (docs/alerts.md, "Quiet hours and
deployments"). A window over more than 100 alarms is several rules ``<name>-<i>-of-<n>``
(a rule targets at most 100). ``list`` shows SageWatch's windows, ``end`` deletes one (all its
rules; CloudWatch then runs the actions of alarms still in the state they were muted in).

Mistakes are one line: a bad cron, duration or time zone exits 2 while parsing; an unknown
endpoint, a team without endpoints or a window that does not exist exits 3.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sagewatch_cli import arguments
from sagewatch_cli.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, CommandError

__all__ = ["add_mute_commands"]


def _duration(text: str) -> timedelta:
    from sagewatch.core.monitoring.mute_rules import MuteScheduleError, parse_duration

    try:
        return parse_duration(text)
    except MuteScheduleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _zone(text: str) -> str:
    from sagewatch.core.monitoring.mute_rules import MuteScheduleError, time_zone

    try:
        time_zone(text)
    except MuteScheduleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _cron(text: str) -> str:
    from sagewatch.core.monitoring.mute_rules import MuteScheduleError, recurring

    try:
        return recurring(text, timedelta(hours=1)).expression
    except MuteScheduleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _local_time(text: str) -> datetime:
    """ISO 8601; naive times are read in --timezone later (not UTC, unlike arguments.iso_time)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time such as 2026-06-01T22:00, got {text!r}") from None


def _clients(args: argparse.Namespace) -> tuple[Any, Any, str]:
    from sagewatch_cli.connection import open_session

    factory, region = open_session(args.profile, args.region, args.endpoint_url)
    return factory("cloudwatch"), factory("sagemaker"), region


def _alarms_of(cloudwatch: Any, prefix: str, endpoint: str) -> list[str]:
    from sagewatch.core.shared.naming import alarm_prefix

    names: list[str] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=alarm_prefix(prefix, endpoint), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        names += [a["AlarmName"] for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]
    return names


def _team_endpoints(sagemaker: Any, team: str) -> list[str]:
    from sagewatch.adapters.sagemaker import SageMakerEndpoints
    from sagewatch.core.monitoring.tags import TAG_TEAM
    from sagewatch.core.shared.errors import EndpointNotFoundError

    reader = SageMakerEndpoints(sagemaker)
    found = []
    for listed in reader.list_endpoints():
        with contextlib.suppress(EndpointNotFoundError):  # deleted between the list and the read
            if reader.endpoint_tags(listed.name).get(TAG_TEAM) == team:
                found.append(listed.name)
    return sorted(found)


def _add(args: argparse.Namespace) -> int:
    from sagewatch.core.monitoring import mute_rules
    from sagewatch.core.monitoring.tags import TAG_TEAM

    if bool(args.endpoints) == bool(args.team):
        raise CommandError("sagewatch mute add: name endpoints or --team TEAM, not both or neither", EXIT_USAGE)
    if args.cron and args.start:
        why = "--start is for a one-off window, --cron for a recurring one"
        raise CommandError(f"sagewatch mute add: {why}", EXIT_USAGE)
    cloudwatch, sagemaker, region = _clients(args)
    if args.team:
        endpoints = _team_endpoints(sagemaker, args.team)
        if not endpoints:
            raise CommandError(
                f"sagewatch mute add: no endpoint in {region} is tagged {TAG_TEAM}={args.team}", EXIT_NOT_FOUND
            )
        label, what = args.name or f"team-{args.team}", f"team {args.team} ({', '.join(endpoints)})"
    else:
        endpoints, label, what = list(args.endpoints), args.name or "-".join(args.endpoints), ", ".join(args.endpoints)
    alarms: list[str] = []
    for endpoint in endpoints:
        found = _alarms_of(cloudwatch, args.prefix, endpoint)
        if not found:
            raise CommandError(
                f"sagewatch mute add: endpoint {endpoint!r} has no {args.prefix} alarms in {region} "
                f"(is the name right? `sagewatch plan {endpoint}` shows what would be fitted)",
                EXIT_NOT_FOUND,
            )
        alarms += found
    try:
        if args.cron:
            window = mute_rules.recurring(args.cron, args.duration, args.timezone)
        else:
            start = args.start or datetime.now(tz=UTC).replace(second=0, microsecond=0)
            window = mute_rules.one_off(start, args.duration, args.timezone)
        base = mute_rules.rule_base(args.prefix, label[:100])
        plans = mute_rules.plan_rules(base, window, alarms, args.description or f"SageWatch quiet window: {what}")
    except mute_rules.MuteScheduleError as exc:
        raise CommandError(f"sagewatch mute add: {exc}", EXIT_USAGE) from exc
    for plan in plans:
        cloudwatch.put_alarm_mute_rule(
            Name=plan.name,
            Description=plan.description[:1024],
            Rule={"Schedule": plan.window.schedule()},
            MuteTargets={"AlarmNames": list(plan.alarms)},
        )
    rules = f"{len(plans)} rules" if len(plans) > 1 else "1 rule"
    print(
        f"{base}: {len(alarms)} alarm(s) of {what} muted {window.expression} for {window.duration} "
        f"({window.timezone}); {rules}"
    )
    return EXIT_OK


def _rules(cloudwatch: Any, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """SageWatch's windows: base name → its rules (GetAlarmMuteRule each), in name order."""
    from sagewatch.core.monitoring.mute_rules import rule_name_of_arn, window_label

    names: list[str] = []
    token: str | None = None
    while True:
        page = cloudwatch.list_alarm_mute_rules(**({"NextToken": token} if token else {}), MaxRecords=100)
        names += [rule_name_of_arn(s["AlarmMuteRuleArn"]) for s in page.get("AlarmMuteRuleSummaries", [])]
        token = page.get("NextToken")
        if not token:
            break
    windows: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(names):
        base = window_label(prefix, name)
        if base is not None:
            windows.setdefault(base, []).append(cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName=name))
    return windows


def _list(args: argparse.Namespace) -> int:
    cloudwatch, _, region = _clients(args)
    windows = _rules(cloudwatch, args.prefix)
    if not windows:
        print(f"no {args.prefix} quiet windows in {region}")
        return EXIT_OK
    for base, rules in windows.items():
        first = rules[0]
        schedule = first["Rule"]["Schedule"]
        alarms = sum(len(r.get("MuteTargets", {}).get("AlarmNames", [])) for r in rules)
        parts = f", {len(rules)} rules" if len(rules) > 1 else ""
        print(
            f"{base}  {first.get('Status', '?')}  {schedule['Expression']} for {schedule['Duration']} "
            f"({schedule.get('Timezone', 'UTC')})  {alarms} alarm(s){parts}"
        )
    return EXIT_OK


def _end(args: argparse.Namespace) -> int:
    from sagewatch.core.monitoring.mute_rules import QUIET

    cloudwatch, _, region = _clients(args)
    base = args.window if args.window.startswith(f"{args.prefix}-{QUIET}-") else f"{args.prefix}-{QUIET}-{args.window}"
    rules = _rules(cloudwatch, args.prefix).get(base)
    if not rules:
        raise CommandError(
            f"sagewatch mute end: no quiet window {base!r} in {region} (`sagewatch mute list` shows them)",
            EXIT_NOT_FOUND,
        )
    for rule in rules:
        cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName=rule["Name"])
    print(f"{base}: ended ({len(rules)} rule(s) deleted)")
    return EXIT_OK


def _guarded(body: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        if not args.emulated:
            result: int = body(args)
            return result
        for option, value in (("--endpoint-url", args.endpoint_url), ("--profile", args.profile)):
            if value is not None:
                raise CommandError(
                    f"sagewatch mute: --emulated opens its own account; {option} cannot be used with it", EXIT_USAGE
                )
        from sagewatch_simulator.sample_account import open_sample_account

        with contextlib.closing(open_sample_account(region=args.region or "us-east-1")) as account:
            args.endpoint_url, args.region = account.endpoint_url, account.region
            _onboard_sample(args, account)
            print(f"emulated account in {account.region} on {account.endpoint_url}", file=sys.stderr)
            result = body(args)
            return result

    return run


def _onboard_sample(args: argparse.Namespace, account: Any) -> None:
    """``--emulated``: fit the named endpoints' alarms first (a throwaway account has none)."""
    from sagewatch.config import MonitoringConfig
    from sagewatch.core.monitoring.policy import Policy
    from sagewatch.wiring import Wiring
    from sagewatch_cli.operator import operator

    config = MonitoringConfig(
        name_prefix=args.prefix,
        region=account.region,
        alert_topic_arn=account.physical_id("AlertTopic"),
        create_alarms=True,
        create_dashboards=False,
        policy=Policy(),
        policy_parameter=None,
    )
    onboarding = operator(Wiring(account.client), config, write_tps=0.0).onboarding
    for name in getattr(args, "endpoints", None) or []:
        onboarding.onboard(name)


def add_mute_commands(commands: argparse._SubParsersAction[arguments.Parser]) -> None:
    """``sagewatch mute add|list|end`` on the command line's subcommands."""
    common = arguments.Parser(add_help=False)
    where = common.add_argument_group("account")
    where.add_argument("--region", type=arguments.region, default=None, help="AWS region (with --emulated: us-east-1)")
    where.add_argument("--profile", default=None, help="named AWS profile (default credential chain otherwise)")
    where.add_argument("--endpoint-url", type=arguments.endpoint_url, default=None, help="send every call here")
    where.add_argument(
        "--emulated", action="store_true", help="in a throwaway emulated account (the sample endpoints, onboarded)"
    )
    where.add_argument(
        "--prefix", type=arguments.name_prefix, default="SageWatch", help="NamePrefix of the stack (default: SageWatch)"
    )
    mute = commands.add_parser(
        "mute",
        help="quiet windows: mute the actions of endpoints' alarms (CloudWatch alarm mute rules)",
        description="Quiet windows for endpoints or teams, as CloudWatch alarm mute rules: the alarms keep "
        "evaluating, their actions are muted. See docs/alerts.md, 'Quiet hours and deployments'.",
    )
    verbs = mute.add_subparsers(dest="mute_command", required=True, metavar="add|list|end")
    add = verbs.add_parser("add", parents=[common], help="mute endpoints' (or a team's) alarms for a window")
    add.add_argument("endpoints", nargs="*", metavar="ENDPOINT", help="endpoint names")
    add.add_argument("--team", default=None, help="every endpoint tagged sagewatch:team=TEAM")
    add.add_argument("--start", type=_local_time, default=None, help="one-off window start, ISO 8601 (default: now)")
    add.add_argument("--cron", type=_cron, default=None, help="recurring: 'minutes hours day month weekday'")
    add.add_argument("--duration", type=_duration, required=True, help="90m, 4h, 1d12h or PT4H (1 minute-15 days)")
    add.add_argument("--timezone", type=_zone, default="UTC", help="IANA time zone of --start/--cron (default: UTC)")
    add.add_argument("--name", default=None, help="window name (default: the endpoint, or team-TEAM)")
    add.add_argument("--description", default=None, help="why (shown with the rule)")
    add.set_defaults(run=_guarded(_add), command="mute add")
    listing = verbs.add_parser("list", parents=[common], help="SageWatch's quiet windows and their status")
    listing.set_defaults(run=_guarded(_list), command="mute list")
    end = verbs.add_parser("end", parents=[common], help="end a quiet window now (delete its rules)")
    end.add_argument("window", metavar="NAME", help="the window's name, as `sagewatch mute list` shows it")
    end.set_defaults(run=_guarded(_end), command="mute end")
