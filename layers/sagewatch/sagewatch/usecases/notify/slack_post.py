"""Posting to Slack at Slack's pace: per-channel pacing, retries that honour Retry-After, bot threads.

Slack accepts about one message per second per channel. Sends are paced per channel (webhook URL
or bot channel) by a ``ChannelPacer`` kept for the life of the process: its in-process
``RateLimiter`` first, then a lease on the channel shared by every concurrent environment
(``usecases/notify/channel_pacing.py``); a 429 waits for its ``Retry-After`` (in every
environment), and 5xx, timeouts and connection resets get a short backoff, five tries per
message while the invocation has time left (one request timeout in reserve). Otherwise the
error goes up and the alert returns to the queue. Every retry counts in ``AlertsRetried``.

Bot mode (a destination ``bot:<channel>``): a message is posted in the thread the caller names
(the incident's, see usecases.notify.incidents), and an ALARM's chart is uploaded into its thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sagewatch.config import NotifyConfig
from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.delivery_errors import OutOfTimeError, SlackDeliveryError
from sagewatch.core.alerting.delivery_record import LeaseRelease
from sagewatch.core.alerting.routing import BOT_PREFIX
from sagewatch.core.shared.errors import NoTimeLeftError
from sagewatch.observability import ALERTS_RETRIED, count
from sagewatch.usecases.notify.channel_pacing import ChannelPacer
from sagewatch.usecases.notify.outcome import DeliveryError
from sagewatch.usecases.notify.ports import SlackBotPort, SlackPort

log = logging.getLogger(__name__)

SLACK_ATTEMPTS = 5  # per message and invocation; the queue retries beyond that
MAX_SERVER_ERROR_BACKOFF = 2.0  # seconds


class SlackPoster:
    def __init__(
        self,
        *,
        settings: NotifyConfig,
        webhook: SlackPort,
        webhook_url: Callable[[str], str],
        bot: SlackBotPort | None,
        bot_token: Callable[[str], str] | None,
        pacer: ChannelPacer,
    ) -> None:
        self._settings = settings
        self._webhook = webhook
        self._webhook_url = webhook_url
        self._bot = bot
        self._bot_token = bot_token
        self._pacer = pacer

    def post(
        self,
        destination: str,
        payload: dict[str, Any],
        remaining_ms: Callable[[], int],
        *,
        view: AlertView | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any] | None:
        """Post ``payload`` (in bot mode: in the thread ``thread_ts``; ``view``: an alert, not a digest)."""
        if destination.startswith(BOT_PREFIX):
            return self._post_bot(destination.removeprefix(BOT_PREFIX), payload, remaining_ms, view, thread_ts)
        url = self._webhook_url(destination)
        self._paced(f"webhook:{url}", lambda: self._webhook.send(url, payload), remaining_ms)
        return None

    def _paced(self, channel: str, send: Callable[[], Any], remaining_ms: Callable[[], int]) -> Any:
        """Send at Slack's pace; retry 429 (after Retry-After), 5xx and network errors while time is left."""
        reserve = self._settings.slack_timeout + 1.0

        def remaining() -> float:
            return remaining_ms() / 1000

        for attempt in range(SLACK_ATTEMPTS):
            try:
                self._pacer.wait(channel, time_left=remaining, reserve=reserve)
            except NoTimeLeftError as exc:
                raise OutOfTimeError(exc.delay) from None
            if remaining() < reserve:
                self._pacer.abandon(channel, maybe_sent=False)
                raise OutOfTimeError(0.0)
            try:
                result = send()
            except OutOfTimeError:
                self._pacer.abandon(channel, maybe_sent=True)
                raise
            except SlackDeliveryError as exc:
                self._pacer.hold(channel)
                if not exc.retryable or attempt == SLACK_ATTEMPTS - 1:
                    raise
                if exc.status == 429:
                    self._pacer.hold(channel, exc.retry_after if exc.retry_after is not None else 1.0)
                else:
                    backoff = self._settings.slack_min_interval * 0.25 * 2**attempt
                    self._pacer.hold(channel, min(MAX_SERVER_ERROR_BACKOFF, backoff))
                log.warning("Slack answered %s; retrying (attempt %d)", exc.status, attempt + 2)
                count(ALERTS_RETRIED)
                continue
            except BaseException:  # timed out or broke in flight: the lease must not outlive this invocation
                self._pacer.abandon(channel, maybe_sent=True)
                raise
            self._pacer.answered(channel)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def take_release(self) -> LeaseRelease | None:
        """The channel lease still held after the last accepted request, for the alert's settlement."""
        return self._pacer.take_release()

    def flush(self) -> None:
        """Release a kept channel lease now (nothing settles it)."""
        self._pacer.flush()

    def _post_bot(
        self,
        channel: str,
        payload: dict[str, Any],
        remaining_ms: Callable[[], int],
        view: AlertView | None,
        thread_ts: str | None,
    ) -> dict[str, Any]:
        if self._bot is None or self._bot_token is None or not self._settings.bot_token_secret:
            raise DeliveryError("bot mode is not configured (bot token secret and channel)")
        bot = self._bot
        token = self._bot_token(self._settings.bot_token_secret)
        key = f"bot:{channel}"
        ts = str(self._paced(key, lambda: bot.post(token, channel, payload, thread_ts), remaining_ms))
        if view is not None and view.state == "ALARM" and view.chart_png:
            png, thread = view.chart_png, thread_ts or ts
            try:
                self._paced(
                    key,
                    lambda: bot.upload(
                        token, channel, png, filename="alarm-chart.png", title=view.title[:200], thread_ts=thread
                    ),
                    remaining_ms,
                )
            except SlackDeliveryError as exc:  # the alert itself went out: do not send it again
                log.warning("chart upload to the alert's thread failed: %s", exc)
        return {"ts": ts, "thread_ts": thread_ts}
