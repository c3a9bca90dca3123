"""``sagewatch``: the project's command line (dev-only: not shipped in the Lambda layer).

    sagewatch invoke OnboardFunction --event events/onboard/in-service-cpu.json --emulated
    sagewatch demo --emulated --out build/demo

    sagewatch plan [ENDPOINT ...|--all] [--region R] [--profile P] [--endpoint-url URL]
    sagewatch sync [ENDPOINT ...|--all] [--dry-run]
    sagewatch remove ENDPOINT ...
    sagewatch backtest ENDPOINT [--days N] [--json] [--end TIME]
    sagewatch mute add|list|end ...   (quiet windows: sagewatch_cli/mute.py)

``plan``/``sync``/``remove``/``backtest`` work against a real account (default credential chain, ``--region``,
``--profile``) or any endpoint URL such as an emulated account's (``--endpoint-url``). Exit codes:
0 done, 1 an AWS error, 2 usage or invalid policy, 3 endpoint not found, 4 no credentials,
5 access denied, 6 AWS (or ``--endpoint-url``) cannot be reached. See docs/fleet.md; ``backtest``
(read-only) in docs/alarms.md.

``doctor [--region R] [--profile P] [--stack S] [--emulated]`` checks an account read-only for
what would break or stay silent (sagewatch_cli/doctor.py): exit 0 all ok, 1 failures, 2 usage,
3 warnings only, 4 no credentials, 5 access denied reading the stack, 6 AWS cannot be reached.
See docs/deploy.md.

Every error is one line on stderr (sagewatch_cli/errors.py), and options are checked while the
arguments are parsed, before an emulated account starts or AWS is called
(sagewatch_cli/arguments.py): ``--region`` is a region botocore knows, ``--endpoint-url`` an
http(s) URL, numbers are positive. A connection failure answers within 15 s
(sagewatch_cli/connection.py). With ``--emulated``, ``--region`` is the emulated account's region.

``invoke`` runs a function of template.yaml in the sample emulated account (moto on 127.0.0.1;
sagewatch_simulator/sample_account.py: the sample events' endpoints, Slack and SES destinations),
the way ``sam local invoke`` resolves it, and prints the outcome: readable on a terminal (with
each Slack post and its Block Kit check, each email), JSON on stdout otherwise (response, error,
AWS calls, Slack messages and posts, emails). The function's warnings go to stderr, all its log
lines with ``--log-json``. Exit code 0 when the handler returned, 1 when it raised, 2 usage (an
unreadable event file). ``demo`` plays the onboarding story (exit 2 when ``--out`` cannot be
written). Both need ``--emulated`` for now: running against a real account arrives later.

``sync`` and ``remove`` report each endpoint on stderr (on a terminal under a live count with the
time left, progress.py); the runtime's JSON log lines reach stderr as warnings and errors only,
every line with ``--log-json`` (log_lines.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sagewatch_cli import arguments

# The documented exit codes, re-exported: callers of main() compare with sagewatch_cli.main's.
from sagewatch_cli.errors import EXIT_ACCESS_DENIED as EXIT_ACCESS_DENIED
from sagewatch_cli.errors import EXIT_FAILED as EXIT_FAILED
from sagewatch_cli.errors import EXIT_NO_CREDENTIALS as EXIT_NO_CREDENTIALS
from sagewatch_cli.errors import EXIT_NOT_FOUND as EXIT_NOT_FOUND
from sagewatch_cli.errors import EXIT_OK as EXIT_OK
from sagewatch_cli.errors import EXIT_UNREACHABLE as EXIT_UNREACHABLE
from sagewatch_cli.errors import EXIT_USAGE as EXIT_USAGE
from sagewatch_cli.errors import CommandError as _CommandError
from sagewatch_cli.errors import run_reported
from sagewatch_cli.progress import Progress

if TYPE_CHECKING:
    from sagewatch.config import MonitoringConfig
    from sagewatch.core.monitoring.cost import MonthlyCost
    from sagewatch.core.monitoring.diff import Plan
    from sagewatch.core.monitoring.profile import EndpointProfile
    from sagewatch.wiring import ClientFactory, Wiring
    from sagewatch_cli.backtest.report import BacktestReport
    from sagewatch_cli.operator import Operator

EMULATED_REGION = "us-east-1"  # the emulated account's region unless --region names another
_REAL_ACCOUNT_LATER = (
    "sagewatch {command}: only the emulated account is supported for now; pass --emulated "
    "(running against a real AWS account arrives in a later version)"
)


def _invoke(args: argparse.Namespace) -> int:
    if not args.emulated:
        print(_REAL_ACCOUNT_LATER.format(command="invoke"), file=sys.stderr)
        return EXIT_USAGE
    event = args.event  # read while parsing (arguments.json_document)
    parameters, env = dict(args.parameter), dict(args.env)

    from sagewatch_cli.log_lines import shown
    from sagewatch_cli.posted import posts_as_json, render_invocation
    from sagewatch_emulator import EmulatorError, TemplateError  # dev-only, slow
    from sagewatch_simulator.sample_account import open_sample_account

    try:
        # The sample account: the sample events' endpoints exist, and alerts have somewhere to go.
        with contextlib.closing(
            open_sample_account(args.template, region=args.region, parameters=parameters)
        ) as account:
            mark = account.slack.mark()
            invocation = account.invoke(args.logical_id, event, environment=env)
            replies = account.slack.replies()[mark:]
    except (EmulatorError, TemplateError) as exc:
        print(f"sagewatch invoke: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logs = [line for line in invocation.logs if shown(line, everything=args.log_json)]
    for line in logs:
        print(line, file=sys.stderr)
    outcome = invocation.to_dict()
    if sys.stdout.isatty():
        print(render_invocation(outcome, replies, hidden_log_lines=len(invocation.logs) - len(logs)))
    else:
        outcome["slack_posts"] = posts_as_json(replies)
        json.dump(outcome, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    return EXIT_OK if invocation.error is None else EXIT_FAILED


def _demo(args: argparse.Namespace) -> int:
    if not args.emulated:
        print(_REAL_ACCOUNT_LATER.format(command="demo"), file=sys.stderr)
        return EXIT_USAGE
    arguments.make_output_directory(args.out)  # before the emulated account starts
    from sagewatch_simulator.demo import run_demo  # dev-only; imports moto

    try:
        return run_demo(args.out)
    except OSError as exc:
        if exc.filename is None:
            raise  # not a file of --out's (the emulator's own sockets): a bug to report
        raise _CommandError(f"sagewatch demo: cannot write {exc.filename}: {exc.strerror}", EXIT_USAGE) from exc


# --- operators' commands: plan, sync, remove (a real account or an emulator) ----------------

_Command = Callable[[argparse.Namespace], int]


def _client_factory(args: argparse.Namespace) -> tuple[ClientFactory, str]:
    """(boto3 clients for --profile/--region from the default chain, sent to --endpoint-url if given; region)."""
    from sagewatch_cli.connection import open_session

    return open_session(args.profile, args.region, args.endpoint_url)


def _operator(args: argparse.Namespace) -> Operator:
    """The command's use cases, wired like the functions' but from the command line's options."""
    from sagewatch_cli.operator import operator

    wiring, config = _wiring(args)
    return operator(wiring, config, write_tps=getattr(args, "write_tps", 0.0))


def _wiring(args: argparse.Namespace) -> tuple[Wiring, MonitoringConfig]:
    """(the composition root over the command's clients, the config the options describe)."""
    from sagewatch.config import MonitoringConfig
    from sagewatch.core.monitoring.policy import Policy
    from sagewatch.core.shared.naming import validate_prefix
    from sagewatch.wiring import Wiring

    factory, region = _client_factory(args)
    # --policy-file was read and validated while parsing (arguments.policy_file).
    policy = args.policy_file if args.policy_file and not args.policy_parameter else Policy()
    config = MonitoringConfig(
        name_prefix=validate_prefix(args.prefix),
        region=region,
        alert_topic_arn=args.alert_topic_arn,
        create_alarms=not args.no_alarms,
        create_dashboards=not args.no_dashboards,
        policy=policy,
        policy_parameter=args.policy_parameter,  # read from SSM by the wiring, replacing ``policy``
    )
    return Wiring(factory), config


def _targets(args: argparse.Namespace, op: Operator) -> tuple[list[str], list[str]]:
    """(endpoints to fit, orphans to remove): the named ones, or with --all the whole region."""
    from sagewatch.adapters.cloudwatch.alarms_and_dashboards import CloudWatchWriter
    from sagewatch.core.fleet.plan import group_alarms
    from sagewatch.core.shared.naming import dashboard_prefix, endpoint_of_dashboard

    if not args.all:
        return list(args.endpoints), []
    listed = op.endpoints.list_endpoints()
    names = {e.name for e in listed}
    managed = set(group_alarms(op.config.name_prefix, op.writer.list_alarms(f"{op.config.name_prefix}/")))
    managed |= {
        e
        for e in (
            endpoint_of_dashboard(op.config.name_prefix, op.config.region, d)
            for d in CloudWatchWriter(op.cloudwatch).list_dashboards(
                dashboard_prefix(op.config.name_prefix, op.config.region)
            )
        )
        if e
    }
    return sorted(e.name for e in listed if e.status == "InService"), sorted(managed - names)


def _plan_one(op: Operator, name: str) -> tuple[EndpointProfile, Plan, MonthlyCost]:
    """(profile, plan, monthly cost of the desired set) for one endpoint; raises if it is missing."""
    from dataclasses import replace

    from sagewatch.core.monitoring.cost import cost_per_component, monthly_cost
    from sagewatch.core.shared.errors import EndpointNotFoundError

    try:
        # Through onboarding: the profile carries the drift metrics its schedules publish (ListMetrics).
        profile = op.onboarding.read_profile(name)
    except EndpointNotFoundError as exc:
        raise _CommandError(
            f"sagewatch: endpoint {name!r} does not exist in {op.sagemaker.meta.region_name} "
            f"(`sagewatch remove {name}` deletes what SageWatch left behind)",
            EXIT_NOT_FOUND,
        ) from exc
    specs, body, _notes = op.onboarding.desired(profile)
    plan = op.onboarding.plan(profile)
    per_component = cost_per_component(specs)
    if per_component:
        # Shown as a note so `sagewatch plan` tells what each inference component adds.
        costs = ", ".join(f"{c} {cost.alarms_usd:.2f}" for c, cost in per_component.items())
        plan = replace(plan, notes=(*plan.notes, f"per inference component (USD/month): {costs}"))
    return profile, plan, monthly_cost(specs, 1 if body is not None else 0)


def _print_plan(name: str, kind: str, plan: Plan, cost: MonthlyCost) -> None:
    print(
        f"{name} ({kind}): {len(plan.create)} to create, {len(plan.update)} to change, "
        f"{len(plan.delete)} to delete, {len(plan.unchanged)} unchanged; dashboard {plan.dashboard.value}; "
        f"~{cost.alarms_usd + cost.dashboards_usd:.2f} USD/month"
    )
    from sagewatch.core.alerting.units import format_comparison, format_value

    for sign, changes in (("+", plan.create), ("~", plan.update)):
        for change in changes:
            spec = change.spec
            # The human units and numbers of alerts, the demo and the backtest ("> 1,000 ms").
            threshold = format_comparison(spec.comparison, format_value(spec.human_threshold, spec.display.unit))
            detail = "" if sign == "+" else f"  ({change.reason})"
            print(f"  {sign} {spec.name}: {spec.key} {threshold}{detail}")
    for deleted in plan.delete:
        print(f"  - {deleted}")
    for note in plan.notes:
        print(f"  ! {note}")


def _where_alerts_go(op: Operator, profile: EndpointProfile) -> str:
    """Where an endpoint's alerts go (its team's route in the policy, else the stack's own
    destinations), and which of its alarms page (docs/alerts.md, "Severity and routing")."""
    from sagewatch.core.alerting.severity import Severity, alarm_severity
    from sagewatch.core.monitoring.tags import overrides_from_tags

    overrides = overrides_from_tags(profile.tags)
    specs, _body, _notes = op.onboarding.desired(profile, overrides=overrides)
    paging = sorted({s.key for s in specs if alarm_severity(s.key, overrides.severities.get(s.key)) is Severity.PAGE})
    route = op.config.policy.routes.route(overrides.team)
    own = [f"slack {overrides.slack_secret}"] if overrides.slack_secret else []
    own += [f"email {' '.join(overrides.email)}"] if overrides.email else []
    if route is None:
        where = "the default route (the stack's Slack and e-mail destinations)"
        if overrides.team:
            where = f"team {overrides.team} is not in the policy's routing table: {where}"
        return "; ".join([where, *(f"own {o}" for o in own)])
    told = [f"slack {d}" for d in route.slack] + [f"teams {d}" for d in route.teams]
    told += [f"email {' '.join(route.email)}"] if route.email else []
    if own:  # the endpoint's own Slack or e-mail tag replaces its route's for that channel
        told = [t for t in told if not any(t.split()[0] == o.split()[0] for o in own)] + own
    parts = [f"team {overrides.team}: {', '.join(told)}"]
    if route.pagerduty:
        pages = ", ".join(paging) if paging else "no alarm (only an endpoint failure)"
        parts.append(f"paging pagerduty {', '.join(route.pagerduty)} for {pages} and an endpoint failure")
    return "; ".join(parts)


def _in_emulated_account(args: argparse.Namespace, body: _Command) -> int:
    """``--emulated``: a throwaway sample account (sagewatch_simulator.sample_account: the sample
    events' endpoints, the alert destinations); ``remove`` first onboards what it will remove,
    ``backtest`` first plays the endpoint's simulated history into it."""
    from sagewatch_simulator.sample_account import endpoint_names, open_sample_account

    backtest = body is _backtest_cmd
    # No recent alert data for a backtest: its simulated history is the endpoint's only traffic.
    region = args.region or EMULATED_REGION
    with contextlib.closing(open_sample_account(region=region, alert_context=not backtest)) as account:
        args.endpoint_url, args.region, args.profile = account.endpoint_url, account.region, None
        args.alert_topic_arn = args.alert_topic_arn or account.physical_id("AlertTopic")
        print(
            f"emulated account in {account.region} on {account.endpoint_url} "
            f"with endpoints: {', '.join(endpoint_names())}",
            file=sys.stderr,
        )
        if body is _remove_cmd:
            op = _operator(args)
            for name in args.endpoints:
                op.onboarding.onboard(name)
        if backtest:
            _play_simulated_history(args, account)
        result: int = body(args)
        return result


def _check_usage(args: argparse.Namespace) -> None:
    """Usage errors the parser cannot see alone, refused before anything starts (exit 2)."""
    if hasattr(args, "all") and args.all and args.endpoints:
        raise _CommandError(f"sagewatch {args.command}: give endpoint names or --all, not both", EXIT_USAGE)
    if hasattr(args, "all") and not args.all and not args.endpoints:
        raise _CommandError(f"sagewatch {args.command}: name at least one endpoint, or pass --all", EXIT_USAGE)
    if getattr(args, "emulated", False) or getattr(args, "doctor_emulated", False):
        for option, value in (("--endpoint-url", args.endpoint_url), ("--profile", args.profile)):
            if value is not None:
                raise _CommandError(
                    f"sagewatch {args.command}: --emulated opens its own account; {option} cannot be used with it",
                    EXIT_USAGE,
                )


def _run_guarded(args: argparse.Namespace, body: _Command) -> int:
    _check_usage(args)
    if getattr(args, "emulated", False):
        return _in_emulated_account(args, body)
    return body(args)


def _plan_cmd(args: argparse.Namespace) -> int:
    from sagewatch.core.monitoring.cost import FREE_DASHBOARDS, ZERO

    op = _operator(args)
    endpoints, orphans = _targets(args, op)
    total = ZERO
    writes = 0
    for name in endpoints:
        profile, plan, cost = _plan_one(op, name)
        _print_plan(name, profile.kind, plan, cost)
        print(f"  alerts go to: {_where_alerts_go(op, profile)}")
        total += cost
        writes += plan.write_count
    for name in orphans:
        print(f"{name} (endpoint gone): every alarm and the dashboard would be removed")
    print(
        f"\n{len(endpoints)} endpoint(s): {total.alarms} alarms ({total.alarm_metrics} billed metrics, "
        f"{total.alarms_usd:.2f} USD/month), {total.dashboards} dashboards ({total.dashboards_usd:.2f} USD/month "
        f"before the {FREE_DASHBOARDS} free ones); {writes} write call(s) to apply; {len(orphans)} orphan(s)"
    )
    return EXIT_OK


def _sync_cmd(args: argparse.Namespace) -> int:
    if args.dry_run:
        return _plan_cmd(args)
    op = _operator(args)
    endpoints, orphans = _targets(args, op)
    for name in endpoints if not args.all else []:
        _plan_one(op, name)  # a named endpoint that does not exist is an error, not a removal
    outcomes: dict[str, int] = {}
    created = updated = deleted = 0
    work = [(n, False) for n in endpoints] + [(n, True) for n in orphans]
    progress = Progress(len(work), sys.stderr, verb="syncing")
    try:
        for name, orphan in work:
            result = (
                op.onboarding.offboard(name, "endpoint no longer exists") if orphan else op.onboarding.onboard(name)
            )
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            created, updated, deleted = (
                created + len(result.created),
                updated + len(result.updated),
                deleted + len(result.deleted),
            )
            progress.step(
                name,
                f"{result.outcome} (+{len(result.created)} ~{len(result.updated)} -{len(result.deleted)}, "
                f"dashboard {result.dashboard})",
            )
    finally:
        progress.close()  # an error message then starts on a clean line
    summary = ", ".join(f"{v} {k}" for k, v in sorted(outcomes.items())) or "nothing to do"
    print(f"synced {len(work)} endpoint(s): {summary}; alarms {created} created, {updated} updated, {deleted} deleted")
    return EXIT_OK


def _remove_cmd(args: argparse.Namespace) -> int:
    op = _operator(args)
    progress = Progress(len(args.endpoints), sys.stderr, verb="removing")
    try:
        for name in args.endpoints:
            result = op.onboarding.offboard(name, "removed by sagewatch remove")
            board = "and its dashboard" if result.dashboard == "delete" else "(no dashboard)"
            progress.close()
            print(f"{name}: {len(result.deleted)} alarm(s) {board} removed", flush=True)
            progress.advance()
    finally:
        progress.close()
    return EXIT_OK


def _doctor_cmd(args: argparse.Namespace) -> int:
    """Read-only checks of the account (see sagewatch_cli/doctor.py); exit codes in docs/deploy.md."""
    from sagewatch_cli import doctor
    from sagewatch_cli.connection import open_session

    if args.spoke:
        return _doctor_spoke(args)
    if args.external_id or args.spoke_access_role:
        raise _CommandError("sagewatch doctor: --external-id and --spoke-access-role go with --spoke", EXIT_USAGE)
    if args.doctor_emulated:
        return _doctor_in_emulated_account(args)
    client, region = open_session(args.profile, args.region, args.endpoint_url)
    stack = doctor.read_stack(client("cloudformation"), args.stack) if args.stack else None
    target = doctor.target_from_stack(args.stack, *(stack or ({}, {})), found=stack is not None)
    return _doctor_report(args, client, target, region)


def _doctor_spoke(args: argparse.Namespace) -> int:
    """``--spoke ACCOUNT[:REGION]``: one spoke checked from the hub's side (sagewatch_cli/spoke_doctor.py)."""
    from sagewatch_cli import spoke_doctor

    account, region = args.spoke
    if args.doctor_emulated:
        return spoke_doctor.check_emulated(account, region, args.external_id)
    return spoke_doctor.check_in_aws(
        account,
        region,
        profile=args.profile,
        hub_region=args.region,
        endpoint_url=args.endpoint_url,
        stack=args.stack,
        external_id=args.external_id,
        access_role=args.spoke_access_role or "OrganizationAccountAccessRole",
    )


def _doctor_report(args: argparse.Namespace, client: Any, target: Any, region: str) -> int:
    import dataclasses

    from sagewatch_cli import doctor

    given = {
        "prefix": args.prefix,
        "alert_topic_arn": args.alert_topic_arn,
        "slack_webhook_secret": args.slack_secret,
        "slack_bot_secret": args.slack_bot_secret,
        "email_sender": args.email_sender,
        "email_recipients": tuple(args.email_recipient) or None,
        "policy_parameter": args.policy_parameter,
    }
    target = dataclasses.replace(target, **{k: v for k, v in given.items() if v})  # options override the stack
    checker = doctor.Doctor(client, target, region, desired=doctor.desired_from_onboarding(client, target))
    findings = checker.run()
    print(doctor.report(findings))
    return doctor.exit_code(findings)


def _doctor_in_emulated_account(args: argparse.Namespace) -> int:
    """``--emulated``: the demo's endpoints, created but not onboarded, in a throwaway emulated account."""
    from sagewatch_cli import doctor
    from sagewatch_emulator import EmulatedAccount
    from sagewatch_simulator.sample_account import ENDPOINTS

    secret = "sagewatch/slack-webhook"  # noqa: S105 - the secret's name
    parameters = {"SlackWebhookSecretName": secret}
    with EmulatedAccount(region=args.region or EMULATED_REGION, parameters=parameters) as account:
        account.client("secretsmanager").create_secret(Name=secret, SecretString=account.slack_url)
        doctor.emulate_public_powertools_parameter(account)
        # PowertoolsLayerArn resolves to the emulator's placeholder: check the template's parameter.
        parameters = {k: v for k, v in account.stack.parameters.items() if k != "PowertoolsLayerArn"}
        target = doctor.target_from_stack(account.stack_name, parameters, account.stack.outputs, found=False)
        for name, _what, spec in ENDPOINTS:
            account.create_endpoint(name, **spec)
        print(f"emulated account in {account.region} on {account.endpoint_url}", file=sys.stderr)
        return _doctor_report(args, account.client, target, account.region)


def _play_simulated_history(args: argparse.Namespace, account: Any) -> None:
    """``backtest --emulated``: publish ``--days`` of the endpoint's simulated traffic, ending at
    ``--end`` (default: the last midnight UTC at least two hours ago), and backtest that window."""
    from datetime import UTC, datetime, timedelta

    from sagewatch_simulator.sample_history import check_window, default_end, incidents, play_history

    now = datetime.now(tz=UTC)
    end = (args.end or default_end(now)).astimezone(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(days=args.days)
    problem = check_window(start, end, now)
    if problem:
        raise _CommandError(f"sagewatch backtest --emulated: {problem}", EXIT_USAGE)
    published = play_history(account, args.endpoint, start, end)
    what = f"{len(published):,} metric-minutes published" if published else "no simulated traffic for it"
    print(f"simulated history of {args.endpoint}, {args.days} day(s): {what}", file=sys.stderr)
    for incident in incidents(end) if published else ():
        if incident.endpoint == args.endpoint:
            print(
                f"  incident: {incident.kind.value} {incident.start:%Y-%m-%d %H:%M} to {incident.end:%H:%M} UTC",
                file=sys.stderr,
            )
    args.end = end


def _backtest_report(args: argparse.Namespace) -> BacktestReport:
    from sagewatch.core.shared.errors import EndpointNotFoundError
    from sagewatch_cli.backtest.backtester import backtester as build_backtester

    wiring, config = _wiring(args)
    backtester = build_backtester(wiring, config, max_datapoints=args.max_datapoints)
    try:
        return backtester.run(args.endpoint, args.days, args.end)
    except EndpointNotFoundError as exc:
        raise _CommandError(f"sagewatch: endpoint {args.endpoint!r} does not exist", EXIT_NOT_FOUND) from exc


def _backtest_days(text: str) -> int:
    from sagewatch_cli.backtest.backtester import MAX_DAYS  # imported only when --days is given

    return arguments.int_between(1, MAX_DAYS)(text)


def _max_datapoints(text: str) -> int:
    from sagewatch.adapters.cloudwatch.metric_history import MAX_DATAPOINTS_PER_CALL

    return arguments.int_between(1, MAX_DATAPOINTS_PER_CALL)(text)


def _backtest_cmd(args: argparse.Namespace) -> int:
    from sagewatch_cli.backtest.report import render_table

    report = _backtest_report(args)
    if args.json:
        json.dump(report.as_dict(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        print(render_table(report))
    return EXIT_OK


def _add_fleet_commands(commands: argparse._SubParsersAction[arguments.Parser]) -> None:
    common = arguments.Parser(add_help=False)
    where = common.add_argument_group("account")
    where.add_argument(
        "--region",
        type=arguments.region,
        default=None,
        help="AWS region (default: the profile's or AWS_DEFAULT_REGION; with --emulated: us-east-1)",
    )
    where.add_argument("--profile", default=None, help="named AWS profile (default credential chain otherwise)")
    where.add_argument(
        "--endpoint-url",
        type=arguments.endpoint_url,
        default=None,
        help="send every call here, e.g. an emulated account's URL",
    )
    where.add_argument(
        "--emulated",
        action="store_true",
        help="run in a throwaway emulated account (moto on 127.0.0.1, in --region) seeded with the sample "
        "endpoints; backtest first plays --days of their simulated traffic into it",
    )
    where.add_argument(
        "--log-json", action="store_true", help="also show the runtime's INFO log lines (JSON) on stderr"
    )
    what = common.add_argument_group("what SageWatch fits (match the stack's parameters)")
    what.add_argument(
        "--prefix", type=arguments.name_prefix, default="SageWatch", help="NamePrefix of the stack (default: SageWatch)"
    )
    what.add_argument("--alert-topic-arn", default=None, help="the stack's AlertTopicArn output (alarm actions)")
    what.add_argument("--policy-parameter", default=None, help="the stack's PolicyParameterName output (SSM)")
    what.add_argument(
        "--policy-file",
        type=arguments.policy_file,
        default=None,
        help="a policy JSON file instead (default: built-in defaults)",
    )
    what.add_argument("--no-alarms", action="store_true", help="as CreateAlarms=false")
    what.add_argument("--no-dashboards", action="store_true", help="as CreateDashboards=false")

    def targets(p: argparse.ArgumentParser) -> None:
        p.add_argument("endpoints", nargs="*", metavar="ENDPOINT", help="endpoint names")
        p.add_argument("--all", action="store_true", help="every InService endpoint of the region, and orphans")

    plan = commands.add_parser(
        "plan",
        parents=[common],
        help="what would be created, changed and deleted (no writes)",
        description="Show the alarms and dashboards SageWatch would create, change and delete, with "
        "thresholds in human units and the monthly cost. Makes no writes.",
    )
    targets(plan)
    plan.set_defaults(run=lambda a: _run_guarded(a, _plan_cmd))

    sync = commands.add_parser(
        "sync",
        parents=[common],
        help="apply: fit alarms and dashboards now",
        description="Fit the endpoints' alarms and dashboards now (progress on stderr, summary on stdout).",
    )
    targets(sync)
    sync.add_argument("--dry-run", action="store_true", help="only show the plan")
    sync.add_argument(
        "--write-tps",
        type=arguments.rate,
        default=2.5,
        help="CloudWatch writes per second (default 2.5: under the 3 TPS PutMetricAlarm quota; 0 = unpaced)",
    )
    sync.set_defaults(run=lambda a: _run_guarded(a, _sync_cmd))

    remove = commands.add_parser(
        "remove",
        parents=[common],
        help="take an endpoint's alarms and dashboard away",
        description="Delete every SageWatch alarm and the dashboard of the endpoints (whether they exist or not).",
    )
    remove.add_argument("endpoints", nargs="+", metavar="ENDPOINT")
    remove.add_argument(
        "--write-tps", type=arguments.rate, default=2.5, help="CloudWatch writes per second (0 = unpaced)"
    )
    remove.set_defaults(run=lambda a: _run_guarded(a, _remove_cmd))

    check = commands.add_parser(
        "doctor",
        help="check the account: what would break or stay silent (read-only)",
        description="Read-only checks of an account for SageWatch: the Powertools layer parameter, Lambda "
        "concurrency, SES, the Slack secrets, the alert topic's KMS key, and whether every metric SageWatch "
        "alarms on is published for each endpoint. Exit codes: 0 all ok, 1 failures, 2 usage, 3 warnings "
        "only, 4 no credentials.",
    )
    check.add_argument(
        "--region",
        type=arguments.region,
        default=None,
        help="AWS region (default: the profile's or AWS_DEFAULT_REGION; with --emulated: us-east-1)",
    )
    check.add_argument("--profile", default=None, help="named AWS profile (default credential chain otherwise)")
    check.add_argument(
        "--endpoint-url",
        type=arguments.endpoint_url,
        default=None,
        help="send every call here, e.g. an emulated account's URL",
    )
    # Its own dest: the doctor opens the emulated account itself (it reads the stack's parameters).
    check.add_argument(
        "--emulated", dest="doctor_emulated", action="store_true", help="check a throwaway emulated account"
    )
    check.add_argument("--stack", default="sagewatch", help="the stack to read settings from (default: sagewatch)")
    check.add_argument(
        "--prefix", type=arguments.name_prefix, default=None, help="NamePrefix (default: the stack's, else SageWatch)"
    )
    check.add_argument("--alert-topic-arn", default=None, help="the alert topic (default: the stack's output)")
    check.add_argument("--policy-parameter", default=None, help="the policy SSM parameter (default: the stack's)")
    check.add_argument("--slack-secret", default=None, help="Slack webhook secret name (default: the stack's)")
    check.add_argument("--slack-bot-secret", default=None, help="Slack bot token secret name (default: the stack's)")
    check.add_argument("--email-sender", default=None, help="SES sender (default: the stack's EmailSender)")
    check.add_argument(
        "--email-recipient", action="append", default=[], help="alert recipient (repeatable; default: the stack's)"
    )
    check.add_argument(
        "--spoke",
        type=arguments.spoke,
        default=None,
        metavar="ACCOUNT[:REGION]",
        help="check one spoke from the hub's side instead (region: default the hub's); docs/hub-and-spokes.md",
    )
    check.add_argument("--external-id", default=None, help="with --spoke: the external ID the hub passes")
    check.add_argument(
        "--spoke-access-role",
        default=None,
        help="with --spoke: the spoke role to read it through (default: OrganizationAccountAccessRole)",
    )
    check.set_defaults(run=lambda a: _run_guarded(a, _doctor_cmd))

    backtest = commands.add_parser(
        "backtest",
        parents=[common],
        help="replay an endpoint's metric history through the alarms SageWatch would create",
        description="Replay the endpoint's own metrics (GetMetricData) through the alarms SageWatch would "
        "create for it, evaluated as CloudWatch does: how often each would have fired, how long it stayed "
        "in ALARM, and the threshold that would have fired at most once a week. Makes no writes.",
    )
    backtest.add_argument("endpoint", metavar="ENDPOINT", help="endpoint name")
    backtest.add_argument("--days", type=_backtest_days, default=7, help="days of history, 1-15 (default: 7)")
    backtest.add_argument("--json", action="store_true", help="print a JSON document instead of the table")
    backtest.add_argument(
        "--end",
        type=arguments.iso_time,
        default=None,
        help="end of the history, ISO 8601 (default: now; UTC if no offset)",
    )
    backtest.add_argument(
        "--max-datapoints",
        type=_max_datapoints,
        default=None,
        help="GetMetricData MaxDatapoints, the page size (default and maximum: 100,800)",
    )
    backtest.set_defaults(run=lambda a: _run_guarded(a, _backtest_cmd))


def build_parser() -> argparse.ArgumentParser:
    parser = arguments.Parser(
        prog="sagewatch",
        description="SageWatch: CloudWatch dashboards, alarms and alerts for SageMaker endpoints.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    invoke = commands.add_parser(
        "invoke",
        help="run a template function with an event (like sam local invoke)",
        description="Run a function of template.yaml in-process with an event, like sam local invoke, "
        "and print the outcome as JSON (logs go to stderr).",
    )
    invoke.add_argument("logical_id", metavar="LOGICAL_ID", help="the function's logical id, e.g. OnboardFunction")
    invoke.add_argument(
        "--event",
        "-e",
        type=arguments.json_document,
        required=True,
        metavar="FILE",
        help="JSON event file ('-' for stdin)",
    )
    invoke.add_argument(
        "--emulated",
        action="store_true",
        help="run in an emulated AWS account (moto on 127.0.0.1) seeded with the sample events' endpoints, "
        "a Slack webhook secret (the fake Slack) and a verified SES sender",
    )
    invoke.add_argument(
        "--log-json", action="store_true", help="show every log line of the function (default: warnings and errors)"
    )
    invoke.add_argument(
        "--template", "-t", type=Path, default=None, help="template (default: the repo's template.yaml)"
    )
    invoke.add_argument(
        "--region",
        type=arguments.region,
        default=EMULATED_REGION,
        help="region of the emulated account (default: us-east-1)",
    )
    invoke.add_argument(
        "--parameter",
        type=arguments.key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter override (repeatable)",
    )
    invoke.add_argument(
        "--env",
        type=arguments.key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment variable (repeatable)",
    )
    invoke.set_defaults(run=_invoke)

    demo = commands.add_parser(
        "demo",
        help="play the onboarding story in the emulated account",
        description="Create endpoints in an emulated account, onboard them, and show alarms and dashboards.",
    )
    demo.add_argument("--emulated", action="store_true", help="run in an emulated AWS account (moto on 127.0.0.1)")
    demo.add_argument(
        "--out",
        type=arguments.output_directory,
        default=Path("build/demo"),
        help="output directory (default: build/demo)",
    )
    demo.set_defaults(run=_demo)
    _add_fleet_commands(commands)
    from sagewatch_cli.mute import add_mute_commands  # quiet windows: sagewatch_cli/mute.py

    add_mute_commands(commands)
    return parser


@contextlib.contextmanager
def _emulator_warnings_to_stderr() -> Iterator[None]:
    """For the command's duration, the emulator's own warnings (e.g. a call moto does not
    implement) go to stderr. Not through the root logger: that one belongs to the function
    under test, as on Lambda."""
    emulator_logger = logging.getLogger("sagewatch_emulator")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("sagewatch: %(levelname)s %(message)s"))
    saved_level, saved_propagate = emulator_logger.level, emulator_logger.propagate
    emulator_logger.addHandler(handler)
    emulator_logger.setLevel(logging.WARNING)
    emulator_logger.propagate = False
    try:
        yield
    finally:
        emulator_logger.removeHandler(handler)
        emulator_logger.setLevel(saved_level)
        emulator_logger.propagate = saved_propagate


class _RuntimeLogsStream:
    """Where the runtime's log lines go while a command runs: stderr, so stdout carries only the
    command's output (``--json`` stays parseable when onboarding logs a warning) - except inside
    an emulated Lambda invocation, which swaps ``sys.stdout`` to capture the function's logs as
    Lambda would, and keeps getting them all. On stderr only warnings and errors appear unless
    ``everything`` (``--log-json``)."""

    def __init__(self, command_stdout: Any, *, everything: bool = True) -> None:
        self._command_stdout = command_stdout
        self._everything = everything

    def write(self, text: str) -> int:
        if sys.stdout is not self._command_stdout:
            return sys.stdout.write(text)
        from sagewatch_cli.log_lines import for_terminal, shown

        if not shown(text, everything=self._everything):
            return len(text)
        if not self._everything and sys.stderr.isatty():
            # One readable line, and off the progress status line it would otherwise run into.
            sys.stderr.write(f"\r\x1b[K{for_terminal(text)}\n")
            return len(text)
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()
        sys.stdout.flush()


@contextlib.contextmanager
def _runtime_logs_to_stderr(*, everything: bool = True) -> Iterator[None]:
    from sagewatch.observability import logger as runtime_logger

    handler = runtime_logger.registered_handler
    if not isinstance(handler, logging.StreamHandler):  # pragma: no cover - Powertools' default is one
        yield
        return
    saved = handler.stream
    handler.setStream(_RuntimeLogsStream(sys.stdout, everything=everything))
    try:
        yield
    finally:
        handler.setStream(saved)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (printed as one line by arguments.Parser) or --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    with _emulator_warnings_to_stderr(), _runtime_logs_to_stderr(everything=getattr(args, "log_json", False)):
        return run_reported(lambda: args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
