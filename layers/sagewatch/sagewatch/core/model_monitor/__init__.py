"""SageMaker Model Monitor, for the endpoints that use it: their monitoring schedules, the drift
alarms and dashboard row fitted to the metrics a data-quality run publishes, the events of
schedules and runs, and a run's violation report and alert view. ("Monitoring" elsewhere in
SageWatch means fitting CloudWatch to endpoints: ``core.monitoring``.)

SageMaker Model Monitor is closed to new customers: this keeps it right for those who use it.
"""
