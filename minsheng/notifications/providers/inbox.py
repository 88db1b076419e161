"""In-site messages: the provider puts the message in the user's inbox (/notifications/). Idempotent: a
second attempt of the same message finds the entry the first one made."""

from ..models import InboxMessage
from . import Outgoing, PermanentError


class InboxProvider:
    confirms_delivery = True

    def send(self, message: Outgoing) -> str:
        if message.user_id is None:
            raise PermanentError("an in-site message needs a user account", code="no_user")
        entry, _created = InboxMessage.objects.get_or_create(
            message_id=message.id,
            defaults={"user_id": message.user_id, "subject": message.subject, "body": message.body},
        )
        return f"inbox:{entry.pk}"

    def lookup(self, message: Outgoing) -> str | None:
        entry = InboxMessage.objects.filter(message_id=message.id).values_list("pk", flat=True).first()
        return None if entry is None else f"inbox:{entry}"
