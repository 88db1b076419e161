"""Sending what is due: claim a message, hand it to its provider outside any transaction, record the answer.

Each message goes through three short transactions:

1. **claim** (row locked, ``SKIP LOCKED`` on PostgreSQL so workers share the queue): queued → sending,
   one more attempt, and a lease: ``next_attempt_at`` = now + ``NOTIFICATIONS_SEND_LEASE_SECONDS``;
2. **send**: the provider is called with no transaction open and no row locked;
3. **record**: sending → sent (→ delivered when the provider's acceptance is delivery), or back to
   queued with exponential back-off on a retryable error, or failed after the last attempt or a
   permanent error.

A worker that dies between 2 and 3 leaves the message in ``sending``. Once its lease has run out the
next run puts it back in the queue marked ``outcome_unknown``; before sending it again the deliverer
asks a provider that can look a message up by ``out_id`` (Aliyun, the inbox) whether the earlier
attempt got through, and if so records it as sent without sending. A provider that cannot look up
(SMTP, the demo log) may deliver such a message twice: at-least-once, never silently lost.
"""

import datetime as dt
import logging
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..choices import DeliveryState
from ..defaults import ONE_TIME_CODE
from ..models import OutboxMessage
from ..providers import (
    LooksUp,
    Outgoing,
    PermanentError,
    Provider,
    Receipt,
    RetryableError,
    confirms_delivery,
    provider_for,
)
from ..rendering import redact
from ..timing import retry_delay
from .outbox import is_exempt, optout_applies, send_time
from .transitions import transition

logger = logging.getLogger("minsheng.notifications")


def notifications_deliver(*, ids: list[int] | None = None, limit: int = 200) -> dict[str, int]:
    """Send the messages that are due (only ``ids``, when given); counts of what happened to them."""
    now = timezone.now()
    counts: Counter[str] = Counter()
    counts["released"] = stalled_release(now=now)
    due = OutboxMessage.objects.filter(state=DeliveryState.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    providers: dict[str, Provider | None] = {}
    for pk, channel in due.order_by("-urgent", "next_attempt_at", "id").values_list("pk", "channel")[:limit]:
        if channel not in providers:
            providers[channel] = _provider(channel)
        provider = providers[channel]
        counts["unconfigured" if provider is None else message_deliver(pk=pk, provider=provider)] += 1
    return {key: value for key, value in counts.items() if value}


def _provider(channel: str) -> Provider | None:
    try:
        return provider_for(channel)
    except Exception:
        # A configuration mistake: leave the messages queued (no attempt is used up) and say so loudly.
        logger.exception("no working provider for %s; its messages stay queued", channel)
        return None


def stalled_release(*, now: dt.datetime) -> int:
    """Messages whose send outlived its lease (the worker died or hung): back to the queue, outcome unknown."""
    released = 0
    stalled = OutboxMessage.objects.filter(state=DeliveryState.SENDING, next_attempt_at__lte=now)
    for pk in stalled.values_list("pk", flat=True):
        with transaction.atomic():
            message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                       .filter(pk=pk, state=DeliveryState.SENDING, next_attempt_at__lte=now).first())
            if message is None:
                continue
            message.outcome_unknown = True
            message.last_error = f"attempt {message.attempts}: no outcome recorded before the lease ran out"
            if message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                message.next_attempt_at = None
                _redact_secrets(message)
                transition(message, DeliveryState.FAILED, detail=message.last_error, at=now,
                           fields=("outcome_unknown", "last_error", "next_attempt_at", "body", "params"))
            else:
                message.next_attempt_at = now
                transition(message, DeliveryState.QUEUED, detail=message.last_error, at=now,
                           fields=("outcome_unknown", "last_error", "next_attempt_at"))
            released += 1
    return released


def message_deliver(*, pk: int, provider: Provider) -> str:
    """One message through claim, send and record; what became of it, as a word for the counts."""
    claimed = _claim(pk)
    if isinstance(claimed, str):
        return claimed
    outgoing, ask_first = claimed
    found = False
    try:
        provider_id = provider.lookup(outgoing) if ask_first and isinstance(provider, LooksUp) else None
        found = provider_id is not None
        if provider_id is None:
            provider_id = provider.send(outgoing)
    except RetryableError as exc:
        return _record_failure(pk, outgoing.attempt, exc, retryable=True, outcome_unknown=exc.outcome_unknown)
    except PermanentError as exc:
        return _record_failure(pk, outgoing.attempt, exc, retryable=False, outcome_unknown=False)
    except Exception as exc:
        # A bug in a provider must not stop the run; it may have sent, so the next attempt asks first.
        logger.exception("provider %s failed on message %s", type(provider).__name__, pk)
        return _record_failure(pk, outgoing.attempt, exc, retryable=True, outcome_unknown=True)
    return _record_sent(pk, outgoing.attempt, provider_id, found=found, delivered=confirms_delivery(provider))


def _claim(pk: int) -> tuple[Outgoing, bool] | str:
    now = timezone.now()
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",)).select_related("template")
                   .filter(pk=pk, state=DeliveryState.QUEUED, next_attempt_at__lte=now).first())
        if message is None:
            return "skipped"  # another worker has it, or it is no longer due
        code = message.template.code
        if not is_exempt(code) and optout_applies(channel=message.channel, recipient=message.recipient,
                                                  user=message.user):
            message.next_attempt_at = None
            transition(message, DeliveryState.OPTED_OUT, detail="opted out while queued", at=now,
                       fields=("next_attempt_at",))
            return "opted_out"
        later = send_time(channel=message.channel, urgent=message.urgent, template_code=code, at=now)
        if later > now:  # an attempt due inside the quiet hours (a retry, or one sent again at night)
            message.next_attempt_at = later
            message.save(update_fields=["next_attempt_at"])
            return "deferred"
        previous_attempt_at = message.last_attempt_at
        message.attempts += 1
        message.last_attempt_at = now
        message.next_attempt_at = now + dt.timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)
        transition(message, DeliveryState.SENDING, at=now,
                   fields=("attempts", "last_attempt_at", "next_attempt_at"))
    outgoing = Outgoing(
        id=message.pk, out_id=message.out_id, channel=message.channel, recipient=message.recipient,
        user_id=message.user_id, subject=message.subject, body=message.body, template_code=code,
        provider_template_code=message.template.provider_template_code, params=dict(message.params),
        attempt=message.attempts, created_at=message.created_at, previous_attempt_at=previous_attempt_at)
    return outgoing, message.outcome_unknown


def _locked_attempt(pk: int, attempt: int) -> OutboxMessage | None:
    """The message, locked, if it is still in the attempt this worker claimed."""
    message = OutboxMessage.objects.select_for_update(of=("self",)).select_related("template").get(pk=pk)
    if message.state != DeliveryState.SENDING or message.attempts != attempt:
        # The lease ran out and the message moved on without us; the next attempt will ask the provider.
        logger.warning("message %s: attempt %s answered after its lease; not recorded", pk, attempt)
        return None
    return message


def _record_sent(pk: int, attempt: int, provider_id: str, *, found: bool, delivered: bool) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = _locked_attempt(pk, attempt)
        if message is None:
            return "stale"
        message.provider_message_id = provider_id[:200]
        message.sent_at, message.next_attempt_at = now, None
        message.outcome_unknown, message.last_error = False, ""
        _redact_secrets(message)
        detail = "the provider had it from an earlier attempt: not sent again" if found else ""
        transition(message, DeliveryState.SENT, detail=detail, at=now, fields=(
            "provider_message_id", "sent_at", "next_attempt_at", "outcome_unknown", "last_error", "body", "params"))
        if delivered:
            transition(message, DeliveryState.DELIVERED, at=now)
    return "delivered" if delivered else "sent"


def _record_failure(pk: int, attempt: int, exc: Exception, *, retryable: bool, outcome_unknown: bool) -> str:
    now = timezone.now()
    code = getattr(exc, "code", "") or type(exc).__name__
    with transaction.atomic():
        message = _locked_attempt(pk, attempt)
        if message is None:
            return "stale"
        message.last_error = f"{code}: {exc}"[:2000]
        message.outcome_unknown = outcome_unknown
        fields = ("last_error", "outcome_unknown", "next_attempt_at", "body", "params")
        if retryable and message.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
            wait = retry_delay(message.attempts, base_seconds=settings.NOTIFICATIONS_RETRY_BASE_SECONDS,
                               max_seconds=settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
            message.next_attempt_at = now + wait
            transition(message, DeliveryState.QUEUED, at=now, fields=fields,
                       detail=f"{message.last_error[:400]} — retry at {timezone.localtime(now + wait):%H:%M:%S}")
            return "retry"
        message.next_attempt_at = None
        _redact_secrets(message)
        transition(message, DeliveryState.FAILED, detail=message.last_error[:500], at=now, fields=fields)
    return "failed"


def _redact_secrets(message: OutboxMessage) -> None:
    """Once a one-time code will not be sent again, the outbox keeps it masked: the hash is the record."""
    if message.template.code != ONE_TIME_CODE:
        return
    secret = message.params.get("code", "")
    if secret and "*" not in secret:
        message.body = redact(message.body, [secret])
        message.params = {**message.params, "code": "*" * len(secret)}


def notification_receipts_record(*, channel: str, receipts: list[Receipt]) -> int:
    """A provider's delivery receipts: a sent message becomes delivered, or failed (the handset never got it).

    A message is found by our ``out_id`` or else the provider's ID. Receipts may repeat or arrive for
    messages we no longer wait on; those change nothing. Returns how many messages changed.
    """
    changed = 0
    for receipt in receipts:
        query = OutboxMessage.objects.select_for_update(of=("self",)).filter(channel=channel)
        if receipt.out_id.startswith("ms") and receipt.out_id[2:].isdigit():
            query = query.filter(pk=int(receipt.out_id[2:]))
        elif receipt.provider_message_id:
            query = query.filter(provider_message_id=receipt.provider_message_id)
        else:
            continue
        with transaction.atomic():
            message = query.first()
            if message is None or message.state != DeliveryState.SENT:
                continue
            if receipt.delivered:
                transition(message, DeliveryState.DELIVERED, detail="delivery receipt")
            else:
                message.last_error = f"receipt: {receipt.error}"[:2000]
                transition(message, DeliveryState.FAILED, detail=message.last_error[:500], fields=("last_error",))
            changed += 1
    return changed
