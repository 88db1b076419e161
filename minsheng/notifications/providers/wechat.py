"""WeChat Official Account (公众号) template messages, through WeChat's HTTPS API, standard library only.

- an access token from ``/cgi-bin/token`` (client_credential), kept in the cache until shortly before it
  expires and fetched again when WeChat says it is invalid or expired;
- ``/cgi-bin/message/template/send`` with ``touser`` (the openid), ``template_id``
  (``MessageTemplate.provider_template_code``), ``data`` and ``client_msg_id`` = our ``out_id``: WeChat
  sends one message per openid and client_msg_id within 10 minutes, so a retry after an unknown outcome
  inside that window cannot send twice (later it may: at-least-once).

WeChat's templates have their own field names (``keyword1``, ``thing2``, ``time3`` …), so a WeChat
``MessageTemplate`` body is one line per field, ``field=text``, with our placeholders in the text::

    character_string1={case_number}
    time2={due_date}
    url={rate_url}

A line ``url=…`` is the link the message opens, not a field. Several processes may each fetch a token;
WeChat keeps the previous token valid for a while after a new one is issued (a central token service
is the right thing when many workers send at volume).
"""

import json
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from . import Outgoing, PermanentError, RetryableError
from .http import json_call

DEFAULT_API = "https://api.weixin.qq.com"
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid credential, invalid token, token expired
RETRYABLE_ERRORS = frozenset({-1, 45009, 45047})  # system busy, call limits


def template_data(body: str) -> tuple[dict[str, dict[str, str]], str]:
    """The rendered body's ``field=text`` lines as WeChat ``data``, and the ``url`` line (or "")."""
    data: dict[str, dict[str, str]] = {}
    url = ""
    for line in body.splitlines():
        if not line.strip():
            continue
        field, sep, text = line.partition("=")
        field = field.strip()
        if not sep or not field:
            raise PermanentError(f"a WeChat template line must be field=text, not {line!r}", code="template_line")
        if field == "url":
            url = text.strip()
        else:
            data[field] = {"value": text.strip()}
    if not data:
        raise PermanentError("a WeChat template needs at least one field=text line", code="template_empty")
    return data, url


class WechatTemplate:
    def __init__(self, **options):
        config = {**settings.NOTIFICATIONS_WECHAT, **options}
        self.api = (config.get("api_base") or DEFAULT_API).rstrip("/")
        if urllib.parse.urlsplit(self.api).scheme not in ("https", "http"):
            raise ImproperlyConfigured(f"the WeChat API base must be an http(s) URL, not {self.api!r}")
        self.app_id = config.get("app_id", "")
        self.app_secret = config.get("app_secret", "")
        self.timeout = float(config.get("timeout") or 10)
        self.cache_key = f"notifications:wechat:token:{self.app_id}"

    def send(self, message: Outgoing) -> str:
        if not message.provider_template_code:
            raise PermanentError(f"template {message.template_code} has no WeChat template ID", code="no_template")
        data, url = template_data(message.body)
        payload = {"touser": message.recipient, "template_id": message.provider_template_code,
                   "client_msg_id": message.out_id, "data": data}
        if url:
            payload["url"] = url
        for fresh_token in (False, True):
            answer = self._post("/cgi-bin/message/template/send", payload, fresh_token=fresh_token)
            code = int(answer.get("errcode", -1))
            if code == 0:
                return str(answer.get("msgid", ""))
            if code not in TOKEN_ERRORS:
                break
        text = f"WeChat: {code} {answer.get('errmsg', '')}"
        if code in RETRYABLE_ERRORS or code in TOKEN_ERRORS:
            raise RetryableError(text, code=str(code))
        raise PermanentError(text, code=str(code))

    def _post(self, path: str, payload: dict, *, fresh_token: bool) -> dict:
        query = urllib.parse.urlencode({"access_token": self._token(fresh=fresh_token)})
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            f"{self.api}{path}?{query}", data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"})
        status, answer = json_call(request, timeout=self.timeout, what="WeChat send", may_have_sent=True)
        if "errcode" not in answer:
            raise RetryableError(f"WeChat send: HTTP {status} without an answer", outcome_unknown=True)
        return answer

    def _token(self, *, fresh: bool) -> str:
        if not fresh:
            token = cache.get(self.cache_key)
            if token:
                return token
        query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": self.app_id,
                                        "secret": self.app_secret})
        request = urllib.request.Request(f"{self.api}/cgi-bin/token?{query}")  # noqa: S310
        status, answer = json_call(request, timeout=self.timeout, what="WeChat token")
        token = answer.get("access_token")
        if not token:
            code = answer.get("errcode", f"HTTP{status}")
            error = RetryableError if code in RETRYABLE_ERRORS or status >= 500 else PermanentError
            raise error(f"WeChat token: {code} {answer.get('errmsg', '')}", code=str(code))
        cache.set(self.cache_key, token, timeout=max(60, int(answer.get("expires_in", 7200)) - 300))
        return token
