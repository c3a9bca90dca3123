"""Emails sent through SES (v1 or v2), as a test wants to read them.

moto keeps what SES sent in its backend; :func:`sent_emails` turns each message into
``{message_id, subject, from, to, cc, bcc, text, html, attachments}``. moto keeps SES v2 "Simple"
messages as one body (the HTML part when there is one) and "Raw" messages as MIME text, which is
parsed here.
"""

from __future__ import annotations

import email
import email.policy
from email.utils import getaddresses
from typing import Any

__all__ = ["email_view", "sent_messages"]


def ses_offered(region: str) -> bool:
    """Whether SES (v2) is offered in ``region``, as botocore's endpoints data says (not in aws-cn
    or the isolated partitions)."""
    import boto3

    from sagewatch.core.shared.partitions import partition

    return region in boto3.session.Session().get_available_regions("sesv2", partition_name=partition(region))


def sent_messages(account_id: str, region: str) -> list[Any]:
    """moto's record of every message SES sent in the account and region, oldest first; none
    where SES is not offered (botocore's endpoints data has no SES in aws-cn or the isolated
    partitions, so moto keeps no SES backend there)."""
    from moto.ses.models import ses_backends

    try:
        backend = ses_backends[account_id][region]
    except KeyError:
        return []
    return list(backend.sent_messages)


def _looks_like_html(body: str) -> bool:
    return body.lstrip().lower().startswith(("<!doctype", "<html", "<"))


def email_view(message: Any) -> dict[str, Any]:
    """One sent email as {message_id, subject, from, to, cc, bcc, text, html, attachments}."""
    raw = getattr(message, "raw_data", None)
    if isinstance(raw, str):
        return _raw_email_view(message, raw)
    destinations = getattr(message, "destinations", {}) or {}
    body = str(getattr(message, "body", "") or "")
    html = _looks_like_html(body)
    return {
        "message_id": getattr(message, "id", None),
        "subject": getattr(message, "subject", None),
        "from": getattr(message, "source", None),
        "to": list(destinations.get("ToAddresses", [])) if isinstance(destinations, dict) else [],
        "cc": list(destinations.get("CcAddresses", [])) if isinstance(destinations, dict) else [],
        "bcc": list(destinations.get("BccAddresses", [])) if isinstance(destinations, dict) else [],
        "text": None if html else body,
        "html": body if html else None,
        "attachments": [],
    }


def _raw_email_view(message: Any, raw: str) -> dict[str, Any]:
    parsed = email.message_from_string(raw, policy=email.policy.default)
    text: str | None = None
    html: str | None = None
    attachments: list[dict[str, Any]] = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition is None and content_type == "text/plain" and text is None:
            text = str(part.get_content())
        elif disposition is None and content_type == "text/html" and html is None:
            html = str(part.get_content())
        else:
            payload = part.get_payload(decode=True)
            attachments.append(
                {
                    "filename": part.get_filename(),
                    "content_type": content_type,
                    "content_id": (part.get("Content-ID") or "").strip("<>") or None,
                    "size": len(payload) if isinstance(payload, bytes) else 0,
                }
            )

    def addresses(header: str) -> list[str]:
        return [address for _, address in getaddresses(parsed.get_all(header, []))]

    to = addresses("To") or list(getattr(message, "destinations", []) or [])
    return {
        "message_id": getattr(message, "id", None),
        "subject": parsed.get("Subject"),
        "from": parsed.get("From") or getattr(message, "source", None),
        "to": to,
        "cc": addresses("Cc"),
        "bcc": addresses("Bcc"),
        "text": text,
        "html": html,
        "attachments": attachments,
    }
