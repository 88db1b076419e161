"""The one place a message changes state: checked against ``choices.TRANSITIONS``, recorded as an event."""

import datetime as dt

from django.utils import timezone

from ..choices import TRANSITIONS
from ..models import DeliveryEvent, OutboxMessage


class TransitionRefused(Exception):
    """A state change the table does not allow: a bug in the caller, never a user's mistake."""


def event_record(message: OutboxMessage, *, from_state: str | None, to_state: str, detail: str = "",
                 at: dt.datetime | None = None) -> DeliveryEvent:
    if (from_state, to_state) not in TRANSITIONS:
        raise TransitionRefused(f"message {message.pk}: {from_state} → {to_state} is not allowed")
    return DeliveryEvent.objects.create(message=message, from_state=from_state or "", to_state=to_state,
                                        attempt=message.attempts, detail=detail[:500], occurred_at=at or timezone.now())


def transition(message: OutboxMessage, to_state: str, *, detail: str = "", fields: tuple[str, ...] = (),
               at: dt.datetime | None = None) -> DeliveryEvent:
    """Move a saved message (locked by the caller) to ``to_state``, saving ``fields`` with it."""
    from_state = message.state
    if (from_state, to_state) not in TRANSITIONS:
        raise TransitionRefused(f"message {message.pk}: {from_state} → {to_state} is not allowed")
    message.state = to_state
    message.save(update_fields=["state", *fields])
    return event_record(message, from_state=from_state, to_state=to_state, detail=detail, at=at)
