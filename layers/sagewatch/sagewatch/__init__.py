"""SageWatch: CloudWatch dashboards, alarms and actionable alerts for SageMaker endpoints.

Layout (see docs/architecture.md):
- ``sagewatch.core``: pure code, grouped by capability (monitoring, alerting, fleet, shared).
- ``sagewatch.adapters``: one adapter per AWS service, named after it; clients are injected.
- ``sagewatch.usecases``: what the Lambda handlers and the CLI call.
"""

__version__ = "0.1.0"
