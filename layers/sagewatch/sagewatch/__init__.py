"""SageWatch: CloudWatch dashboards, alarms and actionable alerts for SageMaker endpoints.

Layout (see docs/architecture.md):
- ``sagewatch.core``: pure code — models, policy, alarm and dashboard builders, diffing.
- ``sagewatch.adapters``: one module per AWS service; clients are injected.
- ``sagewatch.usecases``: what the Lambda handlers and the CLI call.
- ``sagewatch.local``: the emulated account for tests and the demo (never shipped in the layer).
"""

__version__ = "0.1.0"
