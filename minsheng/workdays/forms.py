from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeForm(forms.Form):
    """The State Council's notice for one year, its lines typed or pasted as published."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2200)
    text = forms.CharField(
        label=_("The notice's lines"), max_length=6000,
        widget=forms.Textarea(attrs={"rows": 9, "placeholder": "二、春节：2月5日（农历除夕）至12日放假调休，共8天。"
                                                             "2月14日（周日）、2月20日（周六）上班。"}),
        help_text=_("One holiday per line, as the notice writes it: the name, a colon, the days off (放假, a range "
                    "with 至) and the make-up working days (上班). Dates may also be written 2027-02-05."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year + 1
