import re

import pytest
from django.core.cache import cache

from minsheng.notifications.defaults import templates_seed
from minsheng.notifications.models import MessageTemplate
from minsheng.notifications.tests.fakes import RECORD
from minsheng.org.choices import Role
from minsheng.org.tests.factories import person

RECORDING = "minsheng.notifications.tests.fakes.RecordingProvider"
MOBILE = "13800138000"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """Rate limits count in the cache: each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def recording(settings, db):
    """Text messages go to a provider that records them; ``recording.code()`` is the newest code sent."""
    templates_seed(MessageTemplate)
    RECORD.reset()
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS, "sms": RECORDING}
    yield RECORD
    RECORD.reset()


def sent_code(recording) -> str:
    from minsheng.notifications.models import OutboxMessage as Message
    from minsheng.notifications.services import notifications_deliver

    notifications_deliver(ids=list(Message.objects.values_list("id", flat=True)))
    return re.search(r"验证码(\d{6})", recording.sent[-1].body).group(1)


@pytest.fixture
def officer(db):
    """A project officer with a mobile number: a civil servant."""
    user = person(Role.PROJECT_OFFICER, username="liqing")
    user.mobile = MOBILE
    user.save(update_fields=["mobile"])
    return user
