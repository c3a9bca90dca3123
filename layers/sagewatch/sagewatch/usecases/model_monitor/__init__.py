"""SageMaker Model Monitor's use cases: the drift metrics a schedule published (drift_metrics),
a finished or failed run told as an alert (run_alerts), and a run's violation report read for
that alert (reports)."""
