"""Rendering: an alert's view as a Slack message or a MIME email, and when a storm becomes digests.

When ``digest_threshold`` or more alerts for one Slack destination are pending in a batch, they
go out as digests (see core.alerting.digest), up to ``DIGEST_CHUNK`` alerts a message, built
from the notifications alone: no reads, which is also what keeps a storm cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sagewatch.core.alerting.alert import AlertView
from sagewatch.core.alerting.digest import DigestEntry, render_digest
from sagewatch.core.alerting.render_email import build_mime, render_email
from sagewatch.core.alerting.render_slack import render_slack
from sagewatch.usecases.notify.intake import Pending

DIGEST_CHUNK = 40  # alerts per digest message: well within 50 blocks and 3000 characters a section


def slack_message(view: AlertView) -> dict[str, Any]:
    return render_slack(view)


def email_mime(view: AlertView, *, sender: str, recipients: Sequence[str]) -> bytes:
    return build_mime(render_email(view), sender=sender, recipients=recipients, chart_png=view.chart_png)


def digest_groups(pending: Sequence[Pending], threshold: int) -> dict[str, list[int]]:
    """Slack destination → the pending alerts (indexes) it gets as digests: storms only."""
    groups: dict[str, list[int]] = {}
    for index, entry in enumerate(pending):
        for destination in entry.destinations.slack_secrets:
            groups.setdefault(destination, []).append(index)
    return {destination: members for destination, members in groups.items() if len(members) >= threshold}


def digest_chunks(members: Sequence[Pending]) -> list[Sequence[Pending]]:
    return [members[start : start + DIGEST_CHUNK] for start in range(0, len(members), DIGEST_CHUNK)]


def digest_messages(chunk: Sequence[Pending], *, channel: str) -> list[dict[str, Any]]:
    """The Slack messages for one chunk; a chunk of one is that alert's own message."""
    if len(chunk) == 1:
        return [render_slack(chunk[0].view)]
    return render_digest([DigestEntry(e.view, e.kind.severity) for e in chunk], channel=channel)
