from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import OPTABLE_CHANNELS


class ChannelsForm(forms.Form):
    """Which channels a person wants besides the inbox (one-time codes are sent regardless)."""

    receive = forms.MultipleChoiceField(
        label=_("Also tell me by"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(channel.value, channel.label) for channel in OPTABLE_CHANNELS])
