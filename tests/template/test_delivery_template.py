"""The alert delivery path in template.yaml: SNS → SQS (encrypted, redrive to a DLQ with an
operators' alarm) → NotifyFunction with partial batch responses, at most two batches at once and
no reserved concurrency, a delivery table (which also holds the per-channel Slack lease)."""

from __future__ import annotations

from typing import Any

from sagewatch import config

Template = dict[str, Any]


def resource(transformed: Template, logical_id: str) -> dict[str, Any]:
    return dict(transformed["Resources"][logical_id]["Properties"])


def test_alert_topic_feeds_the_queue_with_sns_envelopes(transformed: Template) -> None:
    subscriptions = [
        r["Properties"]
        for r in transformed["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["Protocol"] == "sqs"
    ]
    assert len(subscriptions) == 1
    subscription = subscriptions[0]
    assert subscription["TopicArn"] == {"Ref": "AlertTopic"}
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["AlertQueue", "Arn"]}
    assert subscription["RawMessageDelivery"] is False  # the body keeps the SNS MessageId


def test_only_the_alert_topic_may_send_to_the_queue(transformed: Template) -> None:
    # The spokes' statements exist only with SpokeOrganizationId / SpokeAccountIds (their
    # resolved policies: tests/template/test_spoke_template.py).
    policy = resource(transformed, "AlertQueuePolicy")
    assert policy["Queues"] == [{"Ref": "AlertQueue"}]
    statements = policy["PolicyDocument"]["Statement"]
    [statement] = [s for s in statements if "Fn::If" not in s]
    assert sorted(s["Fn::If"][0] for s in statements if "Fn::If" in s) == ["HasSpokeAccounts", "HasSpokeOrganization"]
    assert all(s["Fn::If"][2] == {"Ref": "AWS::NoValue"} for s in statements if "Fn::If" in s)
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "AlertTopic"}}}


def test_queue_is_encrypted_redrives_to_the_dlq_and_outlasts_the_function(transformed: Template) -> None:
    queue = resource(transformed, "AlertQueue")
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["AlertDeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Ref": "AlertMaxReceiveCount"},
    }
    assert transformed["Parameters"]["AlertMaxReceiveCount"]["Default"] == 5
    function = resource(transformed, "NotifyFunction")
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    dlq = resource(transformed, "AlertDeadLetterQueue")
    assert dlq["SqsManagedSseEnabled"] is True and dlq["MessageRetentionPeriod"] == 1209600


def test_dead_letters_page_the_operators_by_email(transformed: Template) -> None:
    alarm = resource(transformed, "NotifyDeadLetterAlarm")
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["AlertDeadLetterQueue", "QueueName"]}}
    ]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["AlarmActions"] == [{"Ref": "OpsTopic"}]


def test_notify_reads_the_queue_in_batches_with_partial_failures_at_most_two_at_once(transformed: Template) -> None:
    mappings = [
        r["Properties"]
        for r in transformed["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "NotifyFunction"}
    ]
    assert len(mappings) == 1
    mapping = mappings[0]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["AlertQueue", "Arn"]}
    assert mapping["BatchSize"] == 10
    assert 0 < mapping["MaximumBatchingWindowInSeconds"] <= 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # MaximumConcurrency caps the pollers themselves (2 is the lowest SQS allows), unlike a
    # reservation: "Configuring scaling behavior for SQS event source mappings",
    # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert "ReservedConcurrentExecutions" not in resource(transformed, "NotifyFunction")
    assert not [
        r
        for r in transformed["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["Protocol"] == "lambda"
    ]


def test_no_function_reserves_concurrency(transformed: Template) -> None:
    """A reservation does not deploy on a new account and does not hold an SQS event source.

    Lambda, "Configuring reserved concurrency for a function"
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): "You can
    reserve up to the Unreserved account concurrency value that is shown, minus 100 for
    functions that don't have reserved concurrency." New accounts start with a limit of 10, and
    CloudFormation then fails with "Specified ReservedConcurrentExecutions for function decreases
    account's UnreservedConcurrentExecution below its minimum value of [10]." An SQS event source
    still polls with five concurrent batches; the throttled ones go back to the queue and count
    receives toward the dead-letter queue (https://repost.aws/knowledge-center/lambda-sqs-scaling).
    """
    reserving = {
        logical_id: r["Properties"]["ReservedConcurrentExecutions"]
        for logical_id, r in transformed["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and "ReservedConcurrentExecutions" in r["Properties"]
    }
    assert reserving == {}


def test_delivery_table_is_on_demand_encrypted_and_expires_items(transformed: Template) -> None:
    table = resource(transformed, "DeliveryTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    role = transformed["Resources"]["NotifyFunctionRole"]["Properties"]
    statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    table_access = [s for s in statements if s.get("Resource") == {"Fn::GetAtt": ["DeliveryTable", "Arn"]}]
    # Every delivery record is written by a conditional UpdateItem (alone or in a transaction,
    # which IAM authorises as its UpdateItem actions: "Using IAM with DynamoDB transactions").
    assert [s["Action"] for s in table_access] == ["dynamodb:UpdateItem"]


def test_notify_env_var_names_are_the_ones_settings_reads(transformed: Template) -> None:
    env = resource(transformed, "NotifyFunction")["Environment"]["Variables"]
    for name in (
        config.ENV_DELIVERY_TABLE,
        config.ENV_DIGEST_THRESHOLD,
        config.ENV_SLACK_BOT_TOKEN_SECRET,
        config.ENV_SLACK_CHANNEL,
    ):
        assert name in env, name
    assert env[config.ENV_DELIVERY_TABLE] == {"Ref": "DeliveryTable"}
    assert env[config.ENV_DIGEST_THRESHOLD] == {"Ref": "DigestThreshold"}
