"""The in-site inbox (phone first), a person's channel choices, and the SMS gateway's delivery receipts."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import selectors
from .choices import OPTABLE_CHANNELS, Channel
from .forms import ChannelsForm
from .models import InboxMessage
from .providers.aliyun import receipts_from
from .services import inbox_read, inbox_read_all, notification_receipts_record, optouts_set


@login_required
def inbox(request):
    switched_off = selectors.channels_switched_off(user=request.user)
    form = ChannelsForm(initial={"receive": [c.value for c in OPTABLE_CHANNELS if c.value not in switched_off]})
    return render(request, "notifications/inbox.html", {
        "entries": selectors.inbox_list(user=request.user),
        "unread": selectors.inbox_unread_count(user=request.user),
        "form": form,
    })


@login_required
@require_POST
def read(request, pk: int):
    try:
        entry = selectors.inbox_entry(user=request.user, pk=pk)
    except InboxMessage.DoesNotExist as exc:
        raise Http404 from exc
    inbox_read(user=request.user, entry=entry)
    if request.htmx:  # the entry, and the unread count in the heading swapped out of band
        return render(request, "notifications/_read.html",
                      {"entry": entry, "unread": selectors.inbox_unread_count(user=request.user)})
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    inbox_read_all(user=request.user)
    return redirect("notifications:inbox")


@login_required
@require_POST
def channels(request):
    form = ChannelsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose among the channels listed."))
        return redirect("notifications:inbox")
    receive = set(form.cleaned_data["receive"])
    optouts_set(user=request.user, switched_off={c.value for c in OPTABLE_CHANNELS} - receive)
    messages.success(request, _("Your choice is saved. One-time codes are still sent by text message."))
    return redirect("notifications:inbox")


@csrf_exempt
@require_POST
def aliyun_receipts(request, token: str):
    """Aliyun pushes delivery reports here (configure the URL with its secret token in the SMS console)."""
    expected = settings.NOTIFICATIONS_RECEIPT_TOKEN
    if not expected or not constant_time_compare(token, expected):
        raise Http404
    try:
        receipts = receipts_from(json.loads(request.body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"code": 1, "msg": "invalid report"}, status=400)
    notification_receipts_record(channel=Channel.SMS, receipts=receipts)
    return JsonResponse({"code": 0, "msg": "成功"})
