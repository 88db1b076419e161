"""The demo's provider: every message is appended to a file (one JSON object a line) and logged.

It needs no network, so the Foshan demo "sends" text messages, e-mails and WeChat messages on a machine
with no gateway; the file is where a demo user reads the one-time code they asked for. The file is
its destination, so the provider confirms delivery. Never the production setting for a real channel.
"""

import json
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..models import mask_recipient
from . import Outgoing, RetryableError

logger = logging.getLogger("minsheng.notifications")
_write_lock = threading.Lock()


class LogProvider:
    confirms_delivery = True

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings.NOTIFICATIONS_LOG_FILE)

    def send(self, message: Outgoing) -> str:
        line = json.dumps({
            "at": timezone.now().isoformat(), "out_id": message.out_id, "channel": message.channel,
            "recipient": message.recipient, "subject": message.subject, "body": message.body,
        }, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _write_lock, self.path.open("a", encoding="utf-8") as file:
                file.write(line + "\n")
        except OSError as exc:
            raise RetryableError(f"cannot write {self.path}: {exc}") from exc
        # The log line names the channel and a masked recipient; the text is only in the file.
        logger.info("notification %s %s to %s written to %s", message.out_id, message.channel,
                    mask_recipient(message.channel, message.recipient), self.path)
        return f"log:{message.out_id}"
