"""Notices to enterprises: what the funds office tells an enterprise about its grants (money to pay back,
a repayment received, the outcome of its objection)."""

import logging
from contextlib import AbstractContextManager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from ..models import EnterpriseNotice, Grant

logger = logging.getLogger(__name__)


def _notify_enterprise(grant: Grant, kind: str, text: str) -> EnterpriseNotice:
    """Tell the enterprise of ``grant`` something about it (``kind``: a ``choices.NoticeKind``): the full
    text on the enterprise's grants page, and through the notification outbox a message to each of its
    users' in-site inbox and a text message to its administrator — naming the policy and the kind of
    notice only, never the amounts or the reasons (whoever holds the phone reads an SMS). All in the
    caller's transaction: a change that is rolled back tells nobody anything, and the outbox sends only
    after the commit."""
    from django.urls import reverse

    from minsheng.notifications.choices import Channel
    from minsheng.notifications.defaults import FUNDS_NOTICE
    from minsheng.notifications.services import notification_send

    from ..choices import NoticeKind

    notice = EnterpriseNotice.objects.create(enterprise_id=grant.enterprise_id, grant=grant, kind=kind,
                                             text=text[:2000])
    with _site_language():
        context = {"notice_kind": str(NoticeKind(kind).label), "policy_name": grant.policy.name,
                   "period": grant.period, "url": reverse("subsidies:grant_detail", args=[grant.pk])}
    enterprise = grant.enterprise
    sends = [(Channel.SITE, user, "") for user in enterprise.users.all()]
    administrator = enterprise.administrator
    if administrator is not None and administrator.mobile:
        sends.append((Channel.SMS, administrator, administrator.mobile))
    for channel, user, recipient in sends:
        try:
            notification_send(event_key=f"funds-notice:{notice.pk}", template=FUNDS_NOTICE, channel=channel,
                              recipient=recipient, user=user, context=context)
        except ValidationError as exc:  # a template switched off, a number that is not a mobile: the notice
            # stays on the enterprise's page and the funds decision goes on; the outbox's refusal is logged
            logger.warning("funds notice %s not sent by %s: %s", notice.pk, channel, exc)
    return notice


def _site_language() -> AbstractContextManager:
    """Notices are written in the site's language (zh-Hans), whatever language the officer's page uses:
    they are read by the enterprise, and later sent as SMS in that language."""
    return translation.override(settings.LANGUAGE_CODE)
