"""Notices to enterprises: what the funds office tells an enterprise about its grants (money to pay back,
a repayment received, the outcome of its objection)."""

from contextlib import AbstractContextManager

from django.conf import settings
from django.utils import translation

from ..models import EnterpriseNotice, Grant


def _notify_enterprise(grant: Grant, kind: str, text: str) -> EnterpriseNotice:
    """Tell the enterprise of ``grant`` something about it (``kind``: a ``choices.NoticeKind``).

    For now an in-site notice on the enterprise's grants page, written in the caller's transaction, so a
    change that is rolled back tells nobody anything. The platform's notification outbox (SMS, WeChat,
    in-site) is being built separately: the lead engineer routes this one function to it; the callers
    do not change."""
    return EnterpriseNotice.objects.create(enterprise_id=grant.enterprise_id, grant=grant, kind=kind,
                                           text=text[:2000])


def _site_language() -> AbstractContextManager:
    """Notices are written in the site's language (zh-Hans), whatever language the officer's page uses:
    they are read by the enterprise, and later sent as SMS in that language."""
    return translation.override(settings.LANGUAGE_CODE)
