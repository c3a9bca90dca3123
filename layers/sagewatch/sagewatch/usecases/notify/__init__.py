"""Turn alarm notifications into Slack and email alerts people can act on — never lost,
never doubled, never a flood (docs/delivery.md, docs/alerts.md).

One job per module, in the order an alert meets them:

- ``intake``: queue/SNS records → batch items → pending alerts (routed, previewed without reads);
- ``enrich``: the reads (metrics, logs, chart, history), concurrent and bounded in time;
- ``render``: views → Slack messages or MIME email; when a storm becomes digests;
- ``deliver``: the ledger's claim → send → complete/release, written once for every send;
- ``slack_post``: per-channel pacing, the retry loop honouring Retry-After, bot threads;
- ``notifier``: :class:`Notifier` composes them for one batch;
- ``ports`` (what the outside world must offer) and ``outcome`` (reports).
"""

from sagewatch.usecases.notify.intake import BatchItem, batch_item
from sagewatch.usecases.notify.notifier import Notifier
from sagewatch.usecases.notify.outcome import BatchOutcome, DeliveryError, DeliveryReport

__all__ = ["BatchItem", "BatchOutcome", "DeliveryError", "DeliveryReport", "Notifier", "batch_item"]
