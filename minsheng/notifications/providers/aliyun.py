"""Text messages through Alibaba Cloud SMS (短信服务, ``dysmsapi`` 2017-05-25), its RPC-style HTTP API.

Written against the public documentation, without the SDK:

- ``SendSms``: PhoneNumbers, SignName (our ``NOTIFICATIONS_SMS_SIGNATURE``), TemplateCode (the template
  approved at Aliyun, ``MessageTemplate.provider_template_code``), TemplateParam (the placeholders'
  values as JSON) and OutId (our ``out_id``, the same on every attempt of a message);
- ``QuerySendDetails``: the records for one number on one day, each with its OutId — how ``lookup``
  finds out whether an attempt whose answer we never got was sent after all;
- requests signed with signature version 1.0 (HMAC-SHA1 over the sorted, percent-encoded parameters,
  keyed with the AccessKey secret plus "&").

Aliyun does not promise to refuse a second SendSms with the same OutId, so the guarantee is ours: we
send again only after QuerySendDetails says the number has no message with this OutId. The one gap
left is a message Aliyun accepted but has not listed yet when we ask (the listing follows within
seconds; the lease before a stalled attempt is retried is minutes).

Aliyun composes the text from its own approved copy of the template; ``MessageTemplate.body`` must say
the same words, or what our records show differs from what the phone shows.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from . import Outgoing, PermanentError, Receipt, RetryableError
from .http import json_call

API_VERSION = "2017-05-25"
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
# Codes after which the same request may succeed later; every other code is a permanent refusal
# (a bad number, a template or signature Aliyun does not know, wrong credentials).
RETRYABLE_CODES = frozenset({
    "isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isp.UNKNOWN", "ServiceUnavailable", "InternalError",
    "Throttling", "Throttling.User", "Throttling.Api", "isv.BUSINESS_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
})
LOOKUP_PAGE_SIZE = 50
LOOKUP_MAX_PAGES = 20


def percent_encode(text: str) -> str:
    """RFC 3986 encoding of UTF-8: letters, digits and -_.~ stay; a space is %20, never +."""
    return urllib.parse.quote(text, safe="-_.~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """Signature version 1.0 of a request's parameters (all but Signature itself)."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AliyunSms:
    def __init__(self, **options):
        config = {**settings.NOTIFICATIONS_ALIYUN_SMS, **options}
        self.endpoint = config.get("endpoint") or DEFAULT_ENDPOINT
        if urllib.parse.urlsplit(self.endpoint).scheme not in ("https", "http"):
            raise ImproperlyConfigured(f"the Aliyun SMS endpoint must be an http(s) URL, not {self.endpoint!r}")
        self.access_key_id = config.get("access_key_id", "")
        self.access_key_secret = config.get("access_key_secret", "")
        self.region_id = config.get("region_id") or "cn-hangzhou"
        self.timeout = float(config.get("timeout") or 10)
        self.sign_name = config.get("sign_name") or settings.NOTIFICATIONS_SMS_SIGNATURE

    # --- the two operations -------------------------------------------------------------------
    def send(self, message: Outgoing) -> str:
        if not message.provider_template_code:
            raise PermanentError(
                f"template {message.template_code} has no Aliyun template code (TemplateCode)", code="no_template")
        answer = self.call("SendSms", {
            "PhoneNumbers": message.recipient,
            "SignName": self.sign_name,
            "TemplateCode": message.provider_template_code,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "OutId": message.out_id,
        }, may_have_sent=True)
        return answer.get("BizId") or ""

    def lookup(self, message: Outgoing) -> str | None:
        """The BizId of a message to this number with our OutId, on the days an attempt may have been made."""
        days = {timezone.localdate(at) for at in (message.previous_attempt_at, timezone.now()) if at is not None}
        for day in sorted(days):
            for page in range(1, LOOKUP_MAX_PAGES + 1):
                answer = self.call("QuerySendDetails", {
                    "PhoneNumber": message.recipient, "SendDate": day.strftime("%Y%m%d"),
                    "PageSize": str(LOOKUP_PAGE_SIZE), "CurrentPage": str(page),
                })
                records = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
                for record in records:
                    if record.get("OutId") == message.out_id:
                        return record.get("BizId") or f"OutId:{message.out_id}"
                if page * LOOKUP_PAGE_SIZE >= int(answer.get("TotalCount") or 0):
                    break
        return None

    # --- the RPC call ---------------------------------------------------------------------------
    def signed_params(self, action: str, params: Mapping[str, str]) -> dict[str, str]:
        request = {
            "AccessKeyId": self.access_key_id, "Action": action, "Format": "JSON", "RegionId": self.region_id,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": timestamp(timezone.now()), "Version": API_VERSION, **params,
        }
        return {**request, "Signature": signature(self.access_key_secret, "POST", request)}

    def call(self, action: str, params: Mapping[str, str], *, may_have_sent: bool = False) -> dict:
        """POST one signed request; the JSON answer when its Code is OK, else the right error."""
        body = urllib.parse.urlencode(self.signed_params(action, params)).encode()
        # The endpoint is checked to be http(s) when the provider is made.
        request = urllib.request.Request(self.endpoint, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"})
        status, answer = json_call(request, timeout=self.timeout, what=f"Aliyun {action}", may_have_sent=may_have_sent)
        code = str(answer.get("Code") or "")
        if code == "OK":
            return answer
        if not code:
            if status >= 500 or status == 429:
                raise RetryableError(f"Aliyun {action}: HTTP {status}", code=f"HTTP{status}")
            if status >= 400:
                raise PermanentError(f"Aliyun {action}: HTTP {status}", code=f"HTTP{status}")
            # Not Aliyun's answer (a proxy's page?): whether it was sent is unknown.
            raise RetryableError(f"Aliyun {action}: an answer without a Code", outcome_unknown=may_have_sent)
        text = f"Aliyun {action}: {code}: {answer.get('Message', '')}"
        if code in RETRYABLE_CODES:
            raise RetryableError(text, code=code)
        raise PermanentError(text, code=code)


def receipts_from(payload) -> list[Receipt]:
    """Aliyun's pushed delivery reports (SmsReport: a JSON array of objects with ``biz_id``, ``out_id``,
    ``success``, ``err_code``, ``err_msg``…) as receipts; entries that are not objects are skipped."""
    if not isinstance(payload, list):
        raise ValueError("an SmsReport push is a JSON array")
    return [
        Receipt(delivered=item.get("success") in (True, "true", "True", 1),
                provider_message_id=str(item.get("biz_id") or ""), out_id=str(item.get("out_id") or ""),
                error=" ".join(str(item.get(k) or "") for k in ("err_code", "err_msg")).strip())
        for item in payload if isinstance(item, dict)
    ]
