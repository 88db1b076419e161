"""The form of the API key page: a name, the role membership the key acts with, and its expiry."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Membership


class ApiKeyIssueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("The system that will use the key, e.g. the call centre's telephony."))
    membership = forms.ModelChoiceField(label=_("Acts as"), queryset=Membership.objects.none(),
                                        help_text=_("The key acts with this one role and its unit or region only."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=730, initial=365)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (Membership.objects.filter(user=user, is_active=True)
                                              .select_related("user", "unit", "region"))

    def expires_at(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=self.cleaned_data["days"])
