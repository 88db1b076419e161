from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class NewPasswordForm(forms.Form):
    new_password1 = forms.CharField(label=_("New password"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            raise ValidationError({"new_password2": _("The two passwords are not the same.")})
        return data


class PasswordChangeForm(NewPasswordForm):
    old_password = forms.CharField(label=_("Current password"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    field_order = ["old_password", "new_password1", "new_password2"]


class PasswordResetRequestForm(forms.Form):
    login = forms.CharField(label=_("Username or mobile number"), max_length=150)


class PasswordResetConfirmForm(NewPasswordForm):
    code = forms.CharField(label=_("Code from the text message"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    field_order = ["code", "new_password1", "new_password2"]


class TokenForm(forms.Form):
    token = forms.CharField(label=_("6-digit code from the authenticator app"), max_length=8,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                          "autofocus": True}))
