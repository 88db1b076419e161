"""A stand-in for Alibaba Cloud's dysmsapi endpoint on 127.0.0.1, for tests.

It checks every request the way the documentation says Aliyun does — the common parameters, a fresh
SignatureNonce, a Timestamp within 15 minutes, and the signature, recomputed here independently of the
provider's code (the documentation's recipe: form-encode, then ``+`` → %20, ``*`` → %2A, %7E → ``~``) —
and answers in Aliyun's JSON. A request with a wrong signature is refused and sends nothing.
"""

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCESS_KEY_ID = "LTAItestkeyid"
ACCESS_KEY_SECRET = "test-secret-for-the-local-server"


def encode(text: str) -> str:
    return urllib.parse.quote_plus(text, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def expected_signature(method: str, params: dict[str, str], secret: str = ACCESS_KEY_SECRET) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    to_sign = "&".join([method, encode("/"), encode(canonical)])
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


@dataclass
class FakeAliyun:
    url: str = ""
    # Every SendSms accepted: the request's parameters plus the BizId given.
    accepted: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # What to do with the next SendSms calls, one word each: an Aliyun error Code, "HTTP500", or "SLOW"
    # (accept the message, then answer after ``slow_seconds``).
    script: list[str] = field(default_factory=list)
    slow_seconds: float = 1.0
    queries: int = 0
    nonces: set = field(default_factory=set)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1000))


def handler_for(fake: FakeAliyun):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the time-out tests stop waiting
                self.wfile.write(body)

        def refuse(self, status: int, code: str, message: str) -> None:
            fake.refused.append(code)
            self.answer(status, {"Code": code, "Message": message, "RequestId": "REQ-REFUSED"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
            params = {key: values[0] for key, values in form.items()}
            common = {"Format": "JSON", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
                      "Version": "2017-05-25"}
            if any(params.get(key) != value for key, value in common.items()):
                return self.refuse(400, "MissingParameter", "common parameters")
            if params.get("AccessKeyId") != ACCESS_KEY_ID:
                return self.refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
            if params.get("Signature") != expected_signature("POST", params):
                return self.refuse(400, "SignatureDoesNotMatch",
                                   "Specified signature is not matched with our calculation.")
            nonce = params.get("SignatureNonce", "")
            if not nonce or nonce in fake.nonces:
                return self.refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            fake.nonces.add(nonce)
            sent_at = dt.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            if abs(dt.datetime.now(dt.UTC) - sent_at) > dt.timedelta(minutes=15):
                return self.refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
            if params.get("Action") == "SendSms":
                return self.send_sms(params)
            if params.get("Action") == "QuerySendDetails":
                return self.query(params)
            return self.refuse(404, "InvalidAction.NotFound", "Specified api is not found.")

        def send_sms(self, params: dict) -> None:
            step = fake.script.pop(0) if fake.script else "OK"
            if step == "HTTP500":
                self.send_response(500)
                self.end_headers()
                return
            if step not in ("OK", "SLOW"):
                return self.answer(200, {"Code": step, "Message": "scripted", "RequestId": "REQ"})
            phone = params.get("PhoneNumbers", "")
            if not (len(phone) == 11 and phone.isdigit()):
                return self.answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号",
                                         "RequestId": "R"})
            json.loads(params["TemplateParam"])
            biz_id = f"{next(fake.ids)}^0"
            fake.accepted.append({**params, "BizId": biz_id, "SendDate": time.strftime("%Y%m%d")})
            if step == "SLOW":
                time.sleep(fake.slow_seconds)
            self.answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "REQ-OK"})

        def query(self, params: dict) -> None:
            fake.queries += 1
            size, page = int(params["PageSize"]), int(params["CurrentPage"])
            rows = [a for a in fake.accepted
                    if a["PhoneNumbers"] == params["PhoneNumber"] and a["SendDate"] == params["SendDate"]]
            shown = rows[(page - 1) * size:page * size]
            self.answer(200, {"Code": "OK", "Message": "OK", "RequestId": "REQ-Q", "TotalCount": len(rows),
                              "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
                                  {"PhoneNum": r["PhoneNumbers"], "SendStatus": 3, "ErrCode": "DELIVERED",
                                   "TemplateCode": r["TemplateCode"], "OutId": r.get("OutId", ""),
                                   "SendDate": "2026-06-15 10:00:00"} for r in shown]}})

    return Handler


class Running:
    """Start on 127.0.0.1 (an ephemeral port), stop on exit."""

    def __init__(self):
        self.fake = FakeAliyun()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self.fake))
        self.server.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeAliyun:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
