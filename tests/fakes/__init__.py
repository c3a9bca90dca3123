"""In-memory fakes for tests that exercise orchestration, not AWS's wire contract.

- ``time``: a simulated clock whose ``sleep`` moves it (what the wiring injects), so a throttling
  backoff or Slack's pace takes no real time.
- ``aws``: SageMaker and CloudWatch clients in memory, with the method names and shapes of
  botocore's, holding the rules the use cases rely on (PutMetricAlarm's fields, NextToken paging,
  Throttling answered as AWS answers it), each with the documentation page it comes from.

The emulated account (``sagewatch_emulator``) stays the place for the AWS contract and scenarios.
"""
