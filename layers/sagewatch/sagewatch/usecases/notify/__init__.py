"""Turn alarm notifications into Slack and email alerts people can act on — never lost,
never doubled, never a flood (docs/delivery.md, docs/alerts.md).

One stage per module, in the order an alert meets them, each handing the next a value:

- ``intake``: queue/SNS records → batch items → ``Alert``s (kind, routes, report), digests planned;
- ``gate``: one claim per alert, the incident rules (``incidents``) per destination → ``Admitted``;
- ``enrich``: the reads (metrics, logs, chart, history, report) → the alert's one ``AlertView``;
- ``render``: view and verdicts → ``Outgoing`` payloads (Slack, e-mail), storms as digests;
- ``send``: the payloads go out (``slack_post``: Slack's pace, Retry-After, threads) → ``Sent``;
- ``record``: ``Settlement``s written in one call with the channel lease; OKs held for the settle window;
- ``notifier``: :class:`Notifier` runs them for one batch;
- ``ports`` (what the outside world must offer) and ``outcome`` (reports).
"""

from sagewatch.usecases.notify.intake import BatchItem, batch_item
from sagewatch.usecases.notify.notifier import Notifier
from sagewatch.usecases.notify.outcome import BatchOutcome, DeliveryError, DeliveryReport

__all__ = ["BatchItem", "BatchOutcome", "DeliveryError", "DeliveryReport", "Notifier", "batch_item"]
