"""Render, the fourth stage: an alert's view and its verdicts become the payloads to send.

Each destination gets the view as it is told to it (``incidents.told_view``: its title says what
it is to its incident) as a Slack message (Block Kit), a MIME e-mail, a Teams message (one
Adaptive Card: ``render_teams``) or a PagerDuty event (``paging.pagerduty_event``: trigger,
resolve, or nothing); the gate's thread, if any, goes with it. A storm for one Slack destination
(intake.py decides which) goes out as digests (core.alerting.digest), up to ``DIGEST_CHUNK``
alerts a message, whose lines come from the views built without reads: which is also what keeps
a storm cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.digest import DigestEntry, render_digest
from sagewatch.core.alerting.render_email import build_mime, render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.usecases.notify.gate import Verdict
from sagewatch.usecases.notify.incidents import told_view
from sagewatch.usecases.notify.paging import pagerduty_event

if TYPE_CHECKING:
    from sagewatch.core.alerting.render_pagerduty import PagerDutyEvent

DIGEST_CHUNK = 40  # alerts per digest message: well within 50 blocks and 3000 characters a section

T = TypeVar("T")


@dataclass(frozen=True)
class Outgoing:
    """One destination's payload: a Slack message (``slack``), an e-mail (``mime`` to
    ``recipients``), a Teams message (``teams``) or a PagerDuty event (``pagerduty``), with the
    view as told (bot mode uploads its chart into the thread). None of them: nothing to send
    (a PagerDuty destination for a transition that does not page), settled as done."""

    verdict: Verdict
    view: AlertView
    slack: dict[str, Any] | None = None
    mime: bytes | None = None
    recipients: tuple[str, ...] = ()
    teams: dict[str, Any] | None = None
    pagerduty: PagerDutyEvent | None = None

    @property
    def nothing(self) -> bool:
        return self.slack is None and self.mime is None and self.teams is None and self.pagerduty is None

    @property
    def key(self) -> str:
        return self.verdict.key


def outgoing(
    view: AlertView, told: Sequence[Verdict], *, sender: str | None, recipients: tuple[str, ...], stable_key: str = ""
) -> list[Outgoing]:
    """The payload of every told destination (e-mail from ``sender`` to ``recipients``;
    ``stable_key``: what a PagerDuty event is keyed by when there is no incident)."""
    payloads: list[Outgoing] = []
    for verdict in told:
        shown = told_view(view, verdict.decision)
        if verdict.target.slack is not None:
            payloads.append(Outgoing(verdict, shown, slack=render_slack(shown)))
        elif verdict.target.pagerduty is not None:
            event = pagerduty_event(
                shown, verdict.decision, stable_key=stable_key or view.message_id or view.alarm_name
            )
            payloads.append(Outgoing(verdict, shown, pagerduty=event))
        elif verdict.target.teams is not None:
            from sagewatch.core.alerting.render_teams import render_teams  # with the first Teams destination

            payloads.append(Outgoing(verdict, shown, teams=render_teams(shown)))
        else:
            assert sender is not None  # intake routes e-mail only when a sender is configured
            mime = build_mime(render_email(shown), sender=sender, recipients=recipients, chart_png=shown.chart_png)
            payloads.append(Outgoing(verdict, shown, mime=mime, recipients=recipients))
    return payloads


def digest_chunks(members: Sequence[T]) -> list[Sequence[T]]:
    return [members[start : start + DIGEST_CHUNK] for start in range(0, len(members), DIGEST_CHUNK)]


def digest_messages(chunk: Sequence[DigestEntry], *, channel: str) -> list[dict[str, Any]]:
    """The Slack messages for one chunk; a chunk of one is that alert's own message."""
    if len(chunk) == 1:
        return [render_slack(chunk[0].view)]
    return render_digest(chunk, channel=channel)
