"""The demo's provider writes each message to a file; recipients are masked wherever they are shown."""

import json

import pytest

from minsheng.notifications.models import mask_recipient
from minsheng.notifications.providers import Outgoing, RetryableError
from minsheng.notifications.providers.log import LogProvider


def outgoing() -> Outgoing:
    return Outgoing(id=9, out_id="ms9", channel="sms", recipient="13800138000", user_id=None, subject="",
                    body="【佛山12345】验证码123456，5分钟内有效。", template_code="one_time_code")


def test_each_message_is_one_json_line_in_the_file(tmp_path):
    path = tmp_path / "notifications.log"
    provider = LogProvider(path)
    assert provider.send(outgoing()) == "log:ms9"
    provider.send(outgoing())
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    assert lines[0]["body"] == "【佛山12345】验证码123456，5分钟内有效。" and lines[0]["recipient"] == "13800138000"


def test_a_file_that_cannot_be_written_is_a_retryable_error(tmp_path):
    (tmp_path / "blocked").write_text("a file, not a directory")
    with pytest.raises(RetryableError):
        LogProvider(tmp_path / "blocked" / "notifications.log").send(outgoing())


def test_the_log_line_shows_the_number_masked(tmp_path, caplog):
    caplog.set_level("INFO", logger="minsheng.notifications")
    LogProvider(tmp_path / "n.log").send(outgoing())
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text


@pytest.mark.parametrize(("channel", "recipient", "shown"), [
    ("sms", "13800138000", "138****8000"),
    ("email", "citizen@example.cn", "c***@example.cn"),
    ("wechat", "oFs12345_openid", "oFs1…"),
    ("site", "user:5", "user:5"),
])
def test_recipients_are_masked_per_channel(channel, recipient, shown):
    assert mask_recipient(channel, recipient) == shown
