"""The WeChat template-message provider against a local stand-in for api.weixin.qq.com on 127.0.0.1."""

import contextlib
import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from minsheng.notifications.choices import Channel, DeliveryState
from minsheng.notifications.models import MessageTemplate
from minsheng.notifications.providers import Outgoing, PermanentError, RetryableError
from minsheng.notifications.providers.wechat import WechatTemplate, template_data
from minsheng.notifications.services import message_template_save, notification_send, notifications_deliver

APP_ID, APP_SECRET = "wx0123456789abcdef", "wechat-test-secret"
OPENID = "oFs12345_openid-abcdef"


class FakeWechat:
    """Issues tokens for the right appid and secret; sends once per openid and client_msg_id."""

    def __init__(self):
        self.tokens_issued: list[str] = []
        self.valid_tokens: set[str] = set()
        self.delivered: list[dict] = []
        self.script: list[int] = []  # errcodes for the next sends
        self.seen: dict[tuple[str, str], int] = {}
        self.ids = itertools.count(200228332)

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, payload: dict) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path != "/cgi-bin/token" or query.get("grant_type") != "client_credential":
                    return self.reply({"errcode": 40002, "errmsg": "invalid grant_type"})
                if (query.get("appid"), query.get("secret")) != (APP_ID, APP_SECRET):
                    return self.reply({"errcode": 40013, "errmsg": "invalid appid"})
                token = f"TOKEN-{len(fake.tokens_issued) + 1}"
                fake.tokens_issued.append(token)
                fake.valid_tokens.add(token)
                return self.reply({"access_token": token, "expires_in": 7200})

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                token = dict(urllib.parse.parse_qsl(url.query)).get("access_token")
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                if url.path != "/cgi-bin/message/template/send":
                    return self.reply({"errcode": 48001, "errmsg": "api unauthorized"})
                if token not in fake.valid_tokens:
                    return self.reply({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
                if fake.script:
                    code = fake.script.pop(0)
                    return self.reply({"errcode": code, "errmsg": "scripted"})
                key = (payload["touser"], payload.get("client_msg_id", ""))
                if key[1] and key in fake.seen:
                    return self.reply({"errcode": 0, "errmsg": "ok", "msgid": fake.seen[key]})
                msgid = next(fake.ids)
                fake.seen[key] = msgid
                fake.delivered.append(payload)
                return self.reply({"errcode": 0, "errmsg": "ok", "msgid": msgid})

        return Handler


@pytest.fixture
def wechat(settings):
    fake = FakeWechat()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.NOTIFICATIONS_WECHAT = {"api_base": f"http://127.0.0.1:{server.server_address[1]}", "app_id": APP_ID,
                                     "app_secret": APP_SECRET, "timeout": 2}
    cache.clear()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        cache.clear()


BODY = "character_string1=FS1\ntime2=2026-06-29\nurl=https://12345.example/r/1"


def outgoing(**overrides) -> Outgoing:
    fields = {"id": 5, "out_id": "ms5", "channel": "wechat", "recipient": OPENID, "user_id": None, "subject": "",
              "body": BODY, "template_code": "appeal_answered", "provider_template_code": "TPL-answered"}
    return Outgoing(**{**fields, **overrides})


def test_a_template_body_becomes_wechat_fields_and_a_link():
    data, url = template_data(BODY)
    assert data == {"character_string1": {"value": "FS1"}, "time2": {"value": "2026-06-29"}}
    assert url == "https://12345.example/r/1"


@pytest.mark.parametrize("body", ["没有等号的一行", "", "url=https://only.a.link"])
def test_a_body_that_is_not_field_lines_is_a_permanent_error(body):
    with pytest.raises(PermanentError):
        template_data(body)


def test_a_message_is_sent_with_its_fields_link_and_client_msg_id(wechat):
    msgid = WechatTemplate().send(outgoing())
    [payload] = wechat.delivered
    assert msgid == "200228332"
    assert payload == {"touser": OPENID, "template_id": "TPL-answered", "client_msg_id": "ms5",
                       "data": {"character_string1": {"value": "FS1"}, "time2": {"value": "2026-06-29"}},
                       "url": "https://12345.example/r/1"}


def test_the_token_is_fetched_once_and_kept(wechat):
    provider = WechatTemplate()
    provider.send(outgoing())
    WechatTemplate().send(outgoing(out_id="ms6"))
    assert wechat.tokens_issued == ["TOKEN-1"] and len(wechat.delivered) == 2


def test_an_expired_token_is_replaced_and_the_message_still_goes(wechat):
    WechatTemplate().send(outgoing())
    wechat.valid_tokens.clear()  # WeChat expired it early
    WechatTemplate().send(outgoing(out_id="ms6"))
    assert wechat.tokens_issued == ["TOKEN-1", "TOKEN-2"] and len(wechat.delivered) == 2


def test_the_same_message_sent_twice_reaches_the_person_once(wechat):
    provider = WechatTemplate()
    first, again = provider.send(outgoing()), provider.send(outgoing())
    assert first == again and len(wechat.delivered) == 1


def test_wrong_credentials_are_a_permanent_error(wechat):
    with pytest.raises(PermanentError) as caught:
        WechatTemplate(app_secret="wrong").send(outgoing())
    assert caught.value.code == "40013"


@pytest.mark.parametrize(("errcode", "error"), [
    (-1, RetryableError), (45009, RetryableError), (43004, PermanentError), (40003, PermanentError),
    (40037, PermanentError)])
def test_wechat_error_codes_are_retryable_or_permanent(wechat, errcode, error):
    wechat.script.append(errcode)
    with pytest.raises(error) as caught:
        WechatTemplate().send(outgoing())
    assert type(caught.value) is error and caught.value.code == str(errcode)


@pytest.mark.django_db
def test_the_outbox_sends_a_wechat_message_end_to_end(wechat, settings):
    settings.NOTIFICATIONS_PROVIDERS = {**settings.NOTIFICATIONS_PROVIDERS,
                                        "wechat": "minsheng.notifications.providers.wechat.WechatTemplate"}
    message_template_save(actor=None, code="appeal_answered", channel=Channel.WECHAT, name="诉求已答复",
                          subject="", body="character_string1={case_number}\nurl={rate_url}",
                          provider_template_code="TPL-answered")
    message = notification_send(event_key="appeal:FS1:answered", template="appeal_answered", channel=Channel.WECHAT,
                                recipient=OPENID,
                                context={"case_number": "FS1", "rate_url": "https://12345.example/r/1"})
    assert notifications_deliver() == {"sent": 1}
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT and message.provider_message_id == "200228332"
    assert wechat.delivered[0]["data"] == {"character_string1": {"value": "FS1"}}
    assert MessageTemplate.objects.filter(channel=Channel.WECHAT).count() == 1
