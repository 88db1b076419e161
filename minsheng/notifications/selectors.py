"""Reads: a person's own in-site messages and channel choices. Each is scoped to the user it is asked for."""

from django.db.models import QuerySet

from .choices import OPTABLE_CHANNELS
from .models import InboxMessage, OptOut


def _own(user) -> QuerySet[InboxMessage]:
    if user is None or not user.is_authenticated:
        return InboxMessage.objects.none()
    return InboxMessage.objects.filter(user=user)


def inbox_list(*, user, limit: int = 100) -> list[InboxMessage]:
    """The user's newest in-site messages, unread or not."""
    return list(_own(user).order_by("-created_at", "-id")[:limit])


def inbox_unread_count(*, user) -> int:
    return _own(user).filter(read_at__isnull=True).count()


def inbox_entry(*, user, pk: int) -> InboxMessage:
    """One of the user's own messages; anyone else's is DoesNotExist (a 404, not a 403: nothing to learn)."""
    return _own(user).get(pk=pk)


def channels_switched_off(*, user) -> set[str]:
    """The channels the user has switched off for themselves."""
    if user is None or not user.is_authenticated:
        return set()
    return set(OptOut.objects.filter(user=user, recipient="", channel__in=OPTABLE_CHANNELS)
               .values_list("channel", flat=True))

