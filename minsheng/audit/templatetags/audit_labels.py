import json

from django import template

from minsheng.audit.choices import action_label as _action_label
from minsheng.audit.choices import object_type_label as _object_type_label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return _action_label(action)


@register.filter
def object_type_label(object_type: str) -> str:
    return _object_type_label(object_type)


@register.filter
def summary_json(summary) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=1)


@register.simple_tag(takes_context=True)
def personal(context, obj, field: str):
    """A personal field shown masked, with a link to reveal it (asks why; audited)."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.http import urlencode
    from django.utils.translation import gettext as _

    from minsheng.audit.reveal import masked_value

    if obj is None or not getattr(obj, field, ""):
        return ""
    url = reverse("audit:reveal", args=[obj._meta.label_lower, obj.pk, field])
    request = context.get("request")
    if request is not None:
        url += "?" + urlencode({"next": request.get_full_path()})
    return format_html('{} <a href="{}" class="reveal">{}</a>', masked_value(obj, field), url, _("Show (audited)"))


@register.filter
def redacted(text: str) -> str:
    """Free text on a public page, through the one redaction function (docs/disclosure.md)."""
    from minsheng.audit.personal_data import redact

    return redact(text or "")
