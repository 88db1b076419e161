"""Fixtures for the notifications tests: the default templates, a citizen, and a provider that records."""

import pytest

from minsheng.notifications.defaults import templates_seed
from minsheng.notifications.models import MessageTemplate

from .fakes import RECORD

RECORDING = "minsheng.notifications.tests.fakes.RecordingProvider"
RECORDING_LOOKUP = "minsheng.notifications.tests.fakes.RecordingLookupProvider"


@pytest.fixture(autouse=True)
def _default_templates(request):
    """The 0003 migration seeds them; a transactional test elsewhere may have flushed them since."""
    if request.node.get_closest_marker("django_db"):
        templates_seed(MessageTemplate)


@pytest.fixture
def recording(settings):
    """Every channel but the inbox goes to the recording provider; ``recording.sent`` lists what it got."""
    RECORD.reset()
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": RECORDING, "email": RECORDING,
                                        "wechat": RECORDING}
    yield RECORD
    RECORD.reset()


@pytest.fixture
def citizen(db):
    from minsheng.org.tests.factories import person

    user = person("citizen")
    user.mobile, user.email = "13800138000", "citizen@example.cn"
    user.save(update_fields=["mobile", "email"])
    return user


@pytest.fixture
def other_citizen(db):
    from minsheng.org.tests.factories import person

    return person("citizen")
