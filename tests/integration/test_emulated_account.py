"""The emulated account itself: lifecycle, provisioning, clients, endpoints, invoke, fake Slack, CLI.

Most tests use the small fixture stack in fixtures/tiny/ (stack name "tiny"), whose functions
exercise one feature per event "action".
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from sagewatch_cli import main as cli
from sagewatch_emulator import EmulatedAccount, EmulatorBusyError, TemplateError, VariantSpec
from tests.integration.conftest import TINY_TEMPLATE, NetworkBlockedError

pytestmark = pytest.mark.integration

ACCOUNT_ID = "123456789012"


# --- lifecycle ---------------------------------------------------------------------------------


def test_open_account_points_aws_at_the_emulator_and_close_restores_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", "https://sns.example.com")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    before = dict(os.environ)
    default_session = boto3.DEFAULT_SESSION

    with EmulatedAccount(TINY_TEMPLATE) as account:
        url = account.endpoint_url
        assert url.startswith("http://127.0.0.1:")
        assert os.environ["AWS_ENDPOINT_URL"] == url
        assert "AWS_PROFILE" not in os.environ
        assert "AWS_ENDPOINT_URL_SNS" not in os.environ
        # Even a plain boto3 client made in the test lands in the emulator.
        assert boto3.client("sts").get_caller_identity()["Account"] == ACCOUNT_ID

    assert dict(os.environ) == before
    assert boto3.DEFAULT_SESSION is default_session
    with pytest.raises(urllib.error.URLError):  # the server is gone
        urllib.request.urlopen(f"{url}/moto-api/", timeout=2)  # noqa: S310 - http://127.0.0.1


def test_only_one_account_may_be_open_at_a_time(tiny_account: EmulatedAccount) -> None:
    with pytest.raises(EmulatorBusyError, match="one account at a time"):
        EmulatedAccount(TINY_TEMPLATE).start()
    # The refused account changed nothing: the open one still works.
    assert tiny_account.client("sns").list_topics()["Topics"]


def test_a_broken_template_fails_cleanly_and_frees_the_process(tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    broken.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Nope\n")
    before = dict(os.environ)
    with pytest.raises(TemplateError, match="unknown parameter or resource 'Nope'"):
        EmulatedAccount(broken).start()
    assert dict(os.environ) == before
    with EmulatedAccount(TINY_TEMPLATE) as account:  # the next account opens normally
        assert account.physical_id("AlertTopic")


def test_each_account_starts_empty() -> None:
    with EmulatedAccount(TINY_TEMPLATE, stack_name="tiny") as first:
        first.client("sns").create_topic(Name="left-behind")
        first.create_endpoint("left-behind")
    with EmulatedAccount(TINY_TEMPLATE, stack_name="tiny") as second:
        topics = [t["TopicArn"] for t in second.client("sns").list_topics()["Topics"]]
        assert topics == [second.physical_id("AlertTopic")]
        assert second.client("sagemaker").list_endpoints()["Endpoints"] == []


def test_the_socket_guard_refuses_non_loopback_addresses() -> None:
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)


# --- provisioning ------------------------------------------------------------------------------


def test_provisioning_creates_topics_queues_and_the_rest_with_physical_ids(
    tiny_account: EmulatedAccount,
) -> None:
    account = tiny_account
    topic = account.physical_id("AlertTopic")
    assert topic == f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:tiny-alerts"
    assert account.attribute("AlertTopic", "TopicName") == "tiny-alerts"

    sqs = account.client("sqs")
    queue_url = account.physical_id("AlertQueue")
    queue_name = account.attribute("AlertQueue", "QueueName")
    assert queue_name.startswith("tiny-AlertQueue-")
    assert sqs.get_queue_url(QueueName=queue_name)["QueueUrl"] == queue_url
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "60"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": account.attribute("AlertDeadLetterQueue", "Arn"),
        "maxReceiveCount": 5,
    }

    subscriptions = account.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("sqs", account.attribute("AlertQueue", "Arn"))]

    table = account.client("dynamodb").describe_table(TableName=account.physical_id("StateTable"))["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    secret = account.client("secretsmanager").get_secret_value(SecretId="tiny/slack")
    assert json.loads(secret["SecretString"])["webhook_url"].startswith("https://hooks.slack.com/")
    assert account.client("ssm").get_parameter(Name="/tiny/prefix")["Parameter"]["Value"] == "Tiny"

    alarm = account.client("cloudwatch").describe_alarms(AlarmNames=["tiny-dead-letters"])["MetricAlarms"][0]
    assert alarm["AlarmActions"] == [topic]
    assert alarm["Threshold"] == 5.0
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": account.attribute("AlertDeadLetterQueue", "QueueName")}
    ]

    events = account.client("events")
    rule = account.physical_id("EndpointEventsRule")
    targets = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert [t["Id"] for t in targets] == ["queue"]  # the Lambda target is skipped
    assert "function" in account.stack.record("EndpointEventsRule").note


def test_what_is_not_provisioned_is_recorded_with_real_shaped_ids(tiny_account: EmulatedAccount) -> None:
    account = tiny_account
    assert account.stack.not_provisioned == {
        "ProbeFunctionRole": "AWS::IAM::Role",
        "ProbeFunctionSchedule": "AWS::Events::Rule",
        "OtherFunctionRole": "AWS::IAM::Role",
        "SharedLayer": "AWS::Serverless::LayerVersion",
        "ProbeFunction": "AWS::Serverless::Function",
        "OtherFunction": "AWS::Serverless::Function",
        "AlertQueuePolicy": "AWS::SQS::QueuePolicy",
    }
    assert "AlertEmailSubscription" not in account.stack.resources  # its Condition is false
    assert account.physical_id("OtherFunction") == "tiny-other"
    assert account.attribute("OtherFunction", "Arn") == f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:tiny-other"
    assert account.stack.outputs == {
        "AlertTopicArn": account.physical_id("AlertTopic"),
        "AlertQueueUrl": account.physical_id("AlertQueue"),
        "ProbeFunctionArn": account.attribute("ProbeFunction", "Arn"),
    }
    assert account.stack.parameters["PowertoolsLayerArn"].startswith("emulated-ssm:/aws/service/powertools/")


def test_parameter_overrides_change_conditions_names_and_environment() -> None:
    overrides = {"NamePrefix": "Other", "AlertEmail": "ops@example.com", "Threshold": "7"}
    with EmulatedAccount(TINY_TEMPLATE, stack_name="tiny", parameters=overrides) as account:
        topic = account.physical_id("AlertTopic")
        protocols = {
            s["Protocol"] for s in account.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        }
        assert protocols == {"sqs", "email"}
        assert account.stack.outputs["AlertEmail"] == "ops@example.com"
        environment = account.function_environment("ProbeFunction")
        assert environment["PREFIX"] == "Other"
        assert environment["EMAIL_ENABLED"] == "true"
        assert json.loads(environment["POLICY"])["threshold"] == 7


def test_the_repository_template_provisions(account: EmulatedAccount) -> None:
    assert account.physical_id("AlertTopic").endswith(":sagewatch-alerts")
    assert "OnboardFunction" in account.stack.not_provisioned
    environment = account.function_environment("OnboardFunction")
    assert environment["SAGEWATCH_ALERT_TOPIC_ARN"] == account.physical_id("AlertTopic")
    json.loads(environment["SAGEWATCH_POLICY"])  # the !Sub JSON is valid JSON


# --- clients and endpoints ---------------------------------------------------------------------


def test_client_is_bound_to_the_emulator(tiny_account: EmulatedAccount) -> None:
    sts = tiny_account.client("sts")
    assert sts.meta.endpoint_url == tiny_account.endpoint_url
    assert sts.meta.region_name == "us-east-1"
    assert sts.get_caller_identity()["Account"] == ACCOUNT_ID


def test_create_endpoint_accepts_current_gpu_instance_types(tiny_account: EmulatedAccount) -> None:
    # Emulator gap: moto's CreateEndpointConfig only knows pre-2021 instance types; the
    # emulator extension widens its list with sagewatch.core.shared.instance_types.
    described = tiny_account.create_endpoint(
        "llm-chat",
        variants=[VariantSpec("gpu", "ml.g5.12xlarge", 2), VariantSpec("canary", "ml.c6i.2xlarge", 1)],
        tags={"team": "nlp"},
    )
    assert described["EndpointStatus"] == "InService"
    assert [(v["VariantName"], v["CurrentInstanceCount"]) for v in described["ProductionVariants"]] == [
        ("gpu", 2),
        ("canary", 1),
    ]
    sagemaker = tiny_account.client("sagemaker")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
    assert [v["InstanceType"] for v in config["ProductionVariants"]] == ["ml.g5.12xlarge", "ml.c6i.2xlarge"]
    assert sagemaker.list_tags(ResourceArn=described["EndpointArn"])["Tags"] == [{"Key": "team", "Value": "nlp"}]


def test_serverless_and_async_endpoints(tiny_account: EmulatedAccount) -> None:
    serverless = tiny_account.create_endpoint(
        "churn", variants=[VariantSpec(serverless_memory_mb=4096, serverless_max_concurrency=10)]
    )
    assert serverless["ProductionVariants"][0]["CurrentServerlessConfig"] == {
        "MemorySizeInMB": 4096,
        "MaxConcurrency": 10,
    }
    asynchronous = tiny_account.create_endpoint("tagger", async_inference=True)
    # Extension: real DescribeEndpoint returns AsyncInferenceConfig, moto's did not.
    assert asynchronous["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"].startswith("s3://")


def test_update_and_delete_endpoint(tiny_account: EmulatedAccount) -> None:
    created = tiny_account.create_endpoint("llm", variants=[VariantSpec("a", "ml.g5.2xlarge", 1)])
    # Extension: moto has no UpdateEndpoint.
    updated = tiny_account.update_endpoint("llm", variants=[VariantSpec("b", "ml.g6.xlarge", 3)])
    assert updated["EndpointConfigName"] != created["EndpointConfigName"]
    assert [(v["VariantName"], v["CurrentInstanceCount"]) for v in updated["ProductionVariants"]] == [("b", 3)]
    assert updated["LastModifiedTime"] >= created["LastModifiedTime"]
    tiny_account.delete_endpoint("llm")
    assert tiny_account.client("sagemaker").list_endpoints()["Endpoints"] == []


def test_inference_components_extension(tiny_account: EmulatedAccount) -> None:
    tiny_account.create_endpoint("shared", variants=[VariantSpec("AllTraffic", "ml.g5.12xlarge", 1)])
    sagemaker = tiny_account.client("sagemaker")
    component = {
        "InferenceComponentName": "llama",
        "VariantName": "AllTraffic",
        "Specification": {"ModelName": "shared-model", "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 1024}},
        "RuntimeConfig": {"CopyCount": 2},
    }
    # Components live only on an endpoint built for them (a variant without ModelName).
    with pytest.raises(sagemaker.exceptions.ClientError, match="Inference Components are not supported"):
        sagemaker.create_inference_component(EndpointName="shared", **component)
    tiny_account.create_endpoint("hub", variants=[VariantSpec("AllTraffic", "ml.g5.12xlarge", 1)], component_host=True)
    assert sagemaker.list_inference_components(EndpointNameEquals="hub")["InferenceComponents"] == []
    sagemaker.create_inference_component(EndpointName="hub", **component)
    listed = sagemaker.list_inference_components(EndpointNameEquals="hub")["InferenceComponents"]
    assert [(c["InferenceComponentName"], c["VariantName"]) for c in listed] == [("llama", "AllTraffic")]
    described = sagemaker.describe_inference_component(InferenceComponentName="llama")
    assert described["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}


# --- invoke ------------------------------------------------------------------------------------


def test_invoke_resolves_the_function_like_sam_local_invoke(
    tiny_account: EmulatedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST_ONLY", "visible")  # non-AWS host variables pass through
    account = tiny_account
    result = account.invoke("ProbeFunction", {"action": "echo", "n": 1}, environment={"EXTRA": "added"})
    assert result.error is None, result.error_traceback
    response = result.response
    env = response["env"]
    function_name = account.physical_id("ProbeFunction")
    assert env == {
        "TOPIC_ARN": account.physical_id("AlertTopic"),
        "QUEUE_URL": account.physical_id("AlertQueue"),
        "QUEUE_ARN": account.attribute("AlertQueue", "Arn"),
        "TABLE_NAME": account.physical_id("StateTable"),
        "SECRET_ARN": account.physical_id("SlackSecret"),
        "PREFIX": "Tiny",
        "RETENTION_DAYS": "14",
        "POLICY": env["POLICY"],
        "SHARED_SETTING": "from-function",  # the function's own value wins over Globals
        "GLOBAL_ONLY": "kept",
        "EMAIL_ENABLED": "false",
        "POWERTOOLS_SERVICE_NAME": "tiny",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_ENDPOINT_URL": account.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "_HANDLER": "app.handler",
        "HOST_ONLY": "visible",
        "EXTRA": "added",
    }
    assert json.loads(env["POLICY"]) == {
        "prefix": "Tiny",
        "region": "us-east-1",
        "threshold": 5,
        "topic": account.physical_id("AlertTopic"),
        "dlq": account.attribute("AlertDeadLetterQueue", "Arn"),
    }
    assert response["event"] == {"action": "echo", "n": 1}
    assert response["function_name"] == function_name
    assert response["memory"] == 256
    assert response["arn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{function_name}"
    assert response["request_id"] == result.request_id
    assert 0 < response["remaining_ms"] <= 10_000
    assert response["layer"] == "from-layer"  # the local layer's ContentUri is importable
    assert response["module"] == "sagewatch_fn_ProbeFunction"
    assert result.aws_calls == {}


def test_function_spec_resolves_code_layers_and_defaults(tiny_account: EmulatedAccount) -> None:
    spec = tiny_account.function("ProbeFunction")
    tiny = TINY_TEMPLATE.parent
    assert spec.code_dir == tiny / "probe"
    assert spec.handler == "app.handler"
    assert (spec.timeout_s, spec.memory_mb, spec.runtime) == (10.0, 256, "python3.13")  # from Globals
    assert spec.layer_dirs == (tiny / "layer",)  # the local AWS::Serverless::LayerVersion
    # The managed Powertools layer is external: the dev virtualenv's Powertools stands in.
    assert spec.external_layers == ("emulated-ssm:/aws/service/powertools/python/arm64/python3.13/3.37.0",)


def test_invoke_restores_the_process_environment(tiny_account: EmulatedAccount) -> None:
    before = dict(os.environ)
    tiny_account.invoke("ProbeFunction", {"action": "echo"}, environment={"EXTRA": "x"})
    assert dict(os.environ) == before


def test_invoke_returns_the_error_text_without_raising(tiny_account: EmulatedAccount) -> None:
    result = tiny_account.invoke("ProbeFunction", {"action": "raise"})
    assert result.error == "ValueError: boom: bad input"
    assert result.response is None
    assert result.error_traceback is not None and "raise ValueError" in result.error_traceback
    assert any("ValueError: boom: bad input" in line for line in result.logs)


def test_unserializable_response_is_a_marshal_error(tiny_account: EmulatedAccount) -> None:
    result = tiny_account.invoke("ProbeFunction", {"action": "unserializable"})
    assert result.error is not None and result.error.startswith("Runtime.MarshalError:")


def test_aws_calls_are_counted_exactly_and_only_during_the_invocation(tiny_account: EmulatedAccount) -> None:
    sns = tiny_account.client("sns")
    sns.list_topics()  # the test's own calls are never counted
    result = tiny_account.invoke("ProbeFunction", {"action": "list_topics"})
    sns.list_topics()
    assert result.error is None
    assert result.aws_calls == {"sns.ListTopics": 2}
    assert result.writes == {}


def test_calls_from_handler_threads_are_counted(tiny_account: EmulatedAccount) -> None:
    result = tiny_account.invoke("ProbeFunction", {"action": "threads"})
    assert result.error is None
    assert result.aws_calls == {"sns.ListTopics": 4}


def test_publish_is_a_write_and_reaches_the_subscribed_queue(tiny_account: EmulatedAccount) -> None:
    result = tiny_account.invoke("ProbeFunction", {"action": "publish", "message": "alarm!"})
    assert result.error is None
    assert result.writes == {"sns.Publish": 1}
    messages = tiny_account.client("sqs").receive_message(
        QueueUrl=tiny_account.physical_id("AlertQueue"), WaitTimeSeconds=1
    )["Messages"]
    assert [m["Body"] for m in messages] == ["alarm!"]  # RawMessageDelivery


def test_eventbridge_rule_delivers_to_its_sqs_target(tiny_account: EmulatedAccount) -> None:
    tiny_account.client("events").put_events(
        Entries=[
            {
                "Source": "aws.sagemaker",
                "DetailType": "SageMaker Endpoint State Change",
                "Detail": json.dumps({"EndpointName": "fraud", "EndpointStatus": "IN_SERVICE"}),
            }
        ]
    )
    messages = tiny_account.client("sqs").receive_message(
        QueueUrl=tiny_account.physical_id("AlertQueue"), WaitTimeSeconds=1
    )["Messages"]
    assert json.loads(messages[0]["Body"])["detail"]["EndpointName"] == "fraud"


def test_logs_are_captured_from_print_logging_and_powertools(tiny_account: EmulatedAccount) -> None:
    result = tiny_account.invoke("ProbeFunction", {"action": "log"})
    assert result.error is None
    assert "printed line" in result.logs
    assert "[WARNING] probe: warned line" in result.logs
    structured = [json.loads(line) for line in result.logs if line.startswith("{")]
    assert [(r["message"], r["service"], r["detail"]) for r in structured] == [("powertools line", "tiny", 42)]


def test_the_handler_module_stays_warm_between_invocations(tiny_account: EmulatedAccount) -> None:
    first = tiny_account.invoke("ProbeFunction", {"action": "count"})
    second = tiny_account.invoke("ProbeFunction", {"action": "count"})
    assert (first.response, second.response) == ({"invocations": 1}, {"invocations": 2})
    assert first.cold_start and first.init_duration_ms is not None
    assert not second.cold_start
    assert second.duration_ms > 0


def test_functions_with_the_same_module_names_do_not_clash(tiny_account: EmulatedAccount) -> None:
    probe = tiny_account.invoke("ProbeFunction", {"action": "echo"})
    other = tiny_account.invoke("OtherFunction", {})
    probe_again = tiny_account.invoke("ProbeFunction", {"action": "echo"})
    assert probe.response["helpers"] == "probe"
    assert other.response == {
        "helpers": "other",
        "module": "sagewatch_fn_OtherFunction",
        "function_name": "tiny-other",
    }
    assert probe_again.response["helpers"] == "probe"


def test_emails_sent_through_ses_are_captured(tiny_account: EmulatedAccount) -> None:
    tiny_account.verify_email_identity("sagewatch@example.com")
    event = {
        "action": "email",
        "from": "sagewatch@example.com",
        "to": "oncall@example.com",
        "subject": "ALARM: fraud latency",
        "text": "p99 above 250 ms",
    }
    result = tiny_account.invoke("ProbeFunction", event)
    assert result.error is None, result.error
    assert result.writes == {"sesv2.SendEmail": 1}
    assert [(e["subject"], e["from"], e["to"], e["text"]) for e in result.emails] == [
        ("ALARM: fraud latency", "sagewatch@example.com", ["oncall@example.com"], "p99 above 250 ms")
    ]
    assert tiny_account.emails == result.emails


# --- fake Slack --------------------------------------------------------------------------------


def test_fake_slack_records_a_webhook_post_from_the_handler(tiny_account: EmulatedAccount) -> None:
    result = tiny_account.invoke("ProbeFunction", {"action": "slack", "url": tiny_account.slack_url, "text": "hi"})
    assert result.error is None
    assert result.response == {"status": 200, "body": "ok"}
    assert result.slack_messages == [{"text": "hi"}]
    assert tiny_account.slack_messages == [{"text": "hi"}]


def test_fake_slack_accepts_webhooks_and_chat_post_message(tiny_account: EmulatedAccount) -> None:
    # About what is accepted, not pacing: the rate limit (on by default) has its own tests.
    tiny_account.slack.rate_limit_interval = None
    webhook = WebhookClient(tiny_account.slack_url).send(
        text="fallback", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*ALARM*"}}]
    )
    assert (webhook.status_code, webhook.body) == (200, "ok")
    rejected = WebhookClient(tiny_account.slack_url).send_dict({})
    assert (rejected.status_code, rejected.body) == (400, "invalid_payload")

    bot = WebClient(token="xoxb-test", base_url=tiny_account.slack_api_url)
    posted = bot.chat_postMessage(channel="C123", text="ALARM")
    assert posted["ok"] is True and posted["ts"]
    reply = bot.chat_postMessage(channel="C123", text="OK", thread_ts=posted["ts"])
    assert reply["message"]["thread_ts"] == posted["ts"]

    assert [m.get("text") for m in tiny_account.slack_messages] == ["fallback", "ALARM", "OK"]
    assert [p.api for p in tiny_account.slack.requests] == [
        "webhook",
        "webhook",
        "chat.postMessage",
        "chat.postMessage",
    ]


# --- CLI ---------------------------------------------------------------------------------------


def _run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_cli_invoke_prints_the_invocation_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "log"}))
    code, printed, err = _run_cli(
        ["invoke", "ProbeFunction", "--event", str(event), "--emulated", "--template", str(TINY_TEMPLATE)],
        capsys,
    )
    assert code == 0
    assert printed["response"] == {"logged": True}
    assert printed["error"] is None
    assert set(printed) >= {"response", "error", "aws_calls", "slack_messages", "emails"}
    assert "printed line" in err  # logs go to stderr, never into the JSON


def test_cli_invoke_exits_1_when_the_handler_raises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "raise"}))
    code, printed, _ = _run_cli(
        ["invoke", "ProbeFunction", "-e", str(event), "--emulated", "-t", str(TINY_TEMPLATE)], capsys
    )
    assert code == 1
    assert printed["error"] == "ValueError: boom: bad input"


def test_cli_requires_emulated_for_now(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}")
    code, printed, err = _run_cli(["invoke", "ProbeFunction", "--event", str(event)], capsys)
    assert code == 2 and printed is None
    assert "--emulated" in err and "later" in err
    code, _, err = _run_cli(["demo", "--out", str(tmp_path)], capsys)
    assert code == 2 and "--emulated" in err
