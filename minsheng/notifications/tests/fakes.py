"""Providers for tests: they record what they were given and fail on request. Both share one ``Record``."""

from dataclasses import dataclass, field

from minsheng.notifications.providers import Outgoing


@dataclass
class Record:
    sent: list[Outgoing] = field(default_factory=list)
    # Exceptions to raise, one per call to send, before sending succeeds again.
    failures: list[Exception] = field(default_factory=list)
    # What the provider accepted, by out_id (what a lookup finds).
    accepted: dict[str, str] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.sent.clear()
        self.failures.clear()
        self.accepted.clear()
        self.lookups.clear()


RECORD = Record()


class RecordingProvider:
    def send(self, message: Outgoing) -> str:
        if RECORD.failures:
            raise RECORD.failures.pop(0)
        RECORD.sent.append(message)
        provider_id = f"fake-{message.out_id}-{len(RECORD.sent)}"
        RECORD.accepted[message.out_id] = provider_id
        return provider_id


class RecordingLookupProvider(RecordingProvider):
    """Also answers ``lookup``: what it accepted, by ``out_id`` (like Aliyun's QuerySendDetails)."""

    def lookup(self, message: Outgoing) -> str | None:
        RECORD.lookups.append(message.out_id)
        return RECORD.accepted.get(message.out_id)
