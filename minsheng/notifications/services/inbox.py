"""What a signed-in person does with their in-site messages."""

from django.db import transaction
from django.utils import timezone

from ..models import InboxMessage


def inbox_read(*, user, entry: InboxMessage) -> InboxMessage:
    """Mark one of the user's own messages read (the view found it through ``inbox_entry``)."""
    if entry.user_id != user.pk:
        raise InboxMessage.DoesNotExist
    if entry.read_at is None:
        with transaction.atomic():
            entry.read_at = timezone.now()
            entry.save(update_fields=["read_at"])
    return entry


def inbox_read_all(*, user) -> int:
    with transaction.atomic():
        return InboxMessage.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
