"""Filling a template's ``{placeholders}``: pure functions, no database.

Templates are written by administrators, so rendering is deliberately small: a placeholder is a
name in braces, ``{case_number}``, replaced by the caller's value as text. There are no attribute
lookups, filters or tags (``str.format`` would follow ``{x.__class__}``; the template language would
let an administrator reach into whatever object a caller passed), and ``{{`` / ``}}`` write a brace.

A message carries no more personal data than it needs: a template may not name a person, an address
or what the case is about, whatever the caller passes, and only the values a template uses are kept
on the message.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
ESCAPES = {"{{": "{", "}}": "}"}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Placeholders a template may never use: they would put a person's identity or the substance of their
# case into an SMS that anyone holding the phone can read (个人信息保护法: only what is necessary).
PERSONAL_NAMES = frozenset({
    "name", "full_name", "display_name", "citizen", "citizen_name", "contact", "contact_name",
    "address", "location", "place", "mobile", "phone", "email", "id_number", "resident_id",
    "content", "description", "title", "summary", "details", "text", "answer",
})


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text``, in order, each once. Malformed braces raise ValidationError."""
    found: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group(0) in ESCAPES:
            continue
        name = match.group(1)
        if name is None or not NAME.match(name):
            raise ValidationError(
                _("“%(token)s” is not a placeholder: write a lower-case name in braces, such as {case_number}, "
                  "or {{ and }} for a literal brace."),
                code="bad_placeholder", params={"token": match.group(0)})
        if name not in found:
            found.append(name)
    return found


def template_check(*texts: str) -> list[str]:
    """Validate an administrator's template text: well-formed, and no personal data. Returns the names."""
    names: list[str] = []
    for text in texts:
        names.extend(name for name in placeholders(text) if name not in names)
    personal = sorted(set(names) & PERSONAL_NAMES)
    if personal:
        raise ValidationError(
            _("A message may not carry personal data or case content; remove: %(names)s."),
            code="personal_data", params={"names": ", ".join(personal)})
    return names


def value_text(value) -> str:
    """A context value as the message shows it: times in the city's zone, dates as 2026-06-30."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, tuple, set)):
        raise TypeError(f"a message value must be text, a number, a date or a time, not {type(value).__name__}")
    return str(value)


def params_for(names: Iterable[str], context: Mapping, *, template: str) -> dict[str, str]:
    """The values of exactly these placeholders, as text. A missing one is the caller's mistake, named."""
    names = list(names)
    missing = [name for name in names if name not in context or context[name] in (None, "")]
    if missing:
        raise ValidationError(
            _("Template “%(template)s” needs a value for: %(names)s."),
            code="missing_value", params={"template": template, "names": ", ".join(missing)})
    return {name: value_text(context[name]) for name in names}


def render(text: str, params: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by ``params[name]`` (already checked to be there)."""

    def replace(match: re.Match) -> str:
        escaped = ESCAPES.get(match.group(0))
        return escaped if escaped is not None else params[match.group(1)]

    return PLACEHOLDER.sub(replace, text)


def sms_text(body: str, signature: str) -> str:
    """What the handset shows: the sender's sign-off in 【】 first, as the carriers require."""
    sign = f"【{signature}】"
    return body if body.startswith(sign) else sign + body


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret value (a one-time code) replaced by asterisks."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "*" * len(secret))
    return text
