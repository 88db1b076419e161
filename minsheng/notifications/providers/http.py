"""One HTTP call for the providers that speak JSON over HTTP (Aliyun SMS, WeChat), standard library only.

Network failures become ``RetryableError``; when the request may have reached the other side before the
failure (a time-out waiting for the answer, a dropped connection) and it was a send, the error says the
outcome is unknown, so the deliverer asks before sending again.
"""

import json
import urllib.error
import urllib.request

from . import RetryableError


def json_call(request: urllib.request.Request, *, timeout: float, what: str,
              may_have_sent: bool = False) -> tuple[int, dict]:
    """(HTTP status, the answer's JSON object or {}). Only the network raises; the caller reads the answer."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (callers check the scheme)
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except TimeoutError as exc:
        raise RetryableError(f"{what}: no answer in {timeout:g}s", outcome_unknown=may_have_sent) from exc
    except (urllib.error.URLError, OSError) as exc:
        refused = isinstance(getattr(exc, "reason", exc), ConnectionRefusedError)
        raise RetryableError(f"{what}: {exc}", outcome_unknown=may_have_sent and not refused) from exc


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
