"""SageMaker Model Monitor in the emulated account: ``service`` answers its API where moto has
none (monitoring schedules and executions, on moto's SageMaker backend), ``runs`` is the account's
``model_monitor`` part (schedules created, runs recorded with what each emits: drift metrics,
reports in S3, the processing job's event)."""
