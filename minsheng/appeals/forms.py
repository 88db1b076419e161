"""Forms for the appeals pages: they parse and check input; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.org.choices import RegionLevel
from minsheng.org.models import Region, Unit

from .choices import Channel, DissatisfiedReason, Kind, Satisfaction, SuggestionOutcome, SupervisionKind, Urgency
from .models import Category, KnowledgeArticle
from .services import Upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def uploads_from(files) -> list[Upload]:
    return [Upload(name=f.name, data=f.read()) for f in files or []]


def _leaf_categories():
    return Category.objects.filter(is_active=True, level=3).order_by("code")


def _active_units():
    return Unit.objects.filter(is_active=True).order_by("code")


def unit_choices_shared(forms_) -> None:
    """For a page with a form per case (the dispatch queue: up to 200), read the active units once:
    each form's unit selects would otherwise run their own query when rendered. Only for rendering —
    a posted form is built afresh and validated against the queryset."""
    read: dict[tuple, list] = {}
    for form in forms_:
        for field in form.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset.model is Unit:
                key = (type(field), field.empty_label)
                if key not in read:
                    read[key] = list(field.choices)
                field.choices = read[key]


class RegionPicker(forms.Form):
    """district > town > community: each select narrows the next (htmx reloads the options)."""

    district = forms.ModelChoiceField(Region.objects.filter(level=RegionLevel.DISTRICT), label=_("District"))
    town = forms.ModelChoiceField(Region.objects.filter(level=RegionLevel.TOWN), label=_("Town / street"),
                                  required=False)
    community = forms.ModelChoiceField(Region.objects.filter(level=RegionLevel.COMMUNITY), label=_("Community"),
                                       required=False)

    def narrow_region_choices(self):
        data = self.data if self.is_bound else {}
        district, town = data.get("district"), data.get("town")
        self.fields["town"].queryset = Region.objects.filter(level=RegionLevel.TOWN, parent_id=district or 0)
        self.fields["community"].queryset = Region.objects.filter(level=RegionLevel.COMMUNITY, parent_id=town or 0)
        for name in ("district", "town", "community"):
            self.fields[name].widget.attrs["data-region-level"] = name

    def clean_region(self) -> Region | None:
        district, town, community = (self.cleaned_data.get(n) for n in ("district", "town", "community"))
        if town and district and town.parent_id != district.pk:
            self.add_error("town", _("This town is not in the chosen district."))
        if community and town and community.parent_id != town.pk:
            self.add_error("community", _("This community is not in the chosen town."))
        if community and not town:
            self.add_error("town", _("Choose the town first."))
        return community or town or district


class IntakeForm(RegionPicker):
    caller_mobile = forms.CharField(label=_("Caller's mobile"), max_length=11, required=False)
    caller_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE_12345)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.INQUIRY)
    category_q = forms.CharField(label=_("Search categories (Chinese, pinyin or initials)"), required=False)
    category = forms.ModelChoiceField(_leaf_categories(), label=_("Category"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=73, max_value=136)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=3, max_value=54)
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea, max_length=5000)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency reason"), choices=[("", "—"), *Urgency.choices], required=False)
    attachments = MultipleFileField(label=_("Attachments (images or PDF)"))
    answer_now = forms.CharField(label=_("Answer now from the knowledge base (inquiries: closes the case)"),
                                 widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    article = forms.ModelChoiceField(KnowledgeArticle.objects.filter(is_published=True), required=False,
                                     widget=forms.HiddenInput)

    field_order = ["caller_mobile", "caller_name", "anonymous", "channel", "kind", "category_q", "category",
                   "district", "town", "community", "address", "lng", "lat", "title", "content", "urgent", "urgency",
                   "attachments", "answer_now", "article"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_region_choices()

    def clean(self):
        cleaned = super().clean()
        cleaned["region"] = self.clean_region()
        if cleaned.get("answer_now") and cleaned.get("kind") != Kind.INQUIRY:
            self.add_error("answer_now", _("Only an inquiry can be answered at first contact."))
        return cleaned


class CitizenAppealForm(RegionPicker):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.REQUEST)
    category = forms.ModelChoiceField(_leaf_categories(), label=_("Category"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    content = forms.CharField(label=_("What happened, where and since when"), widget=forms.Textarea, max_length=5000)
    attachments = MultipleFileField(label=_("Photos or PDF"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_region_choices()

    def clean(self):
        cleaned = super().clean()
        cleaned["region"] = self.clean_region()
        return cleaned


class DispatchForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    lead_unit = forms.ModelChoiceField(_active_units(), label=_("Lead unit"))
    assist_units = forms.ModelMultipleChoiceField(_active_units(), label=_("Assisting units"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReturnDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1",
                                    choices=[("1", _("Accept and reassign")), ("0", _("Reject: send back"))])
    lead_unit = forms.ModelChoiceField(_active_units(), label=_("Reassign to"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class MergeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    parent = forms.CharField(label=_("Parent case number"), max_length=24)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(coerce=lambda v: v == "1", choices=[("1", _("Approve")), ("0", _("Refuse"))])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReturnForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
    legal_basis = forms.CharField(label=_("Legal basis (the rule that puts it elsewhere)"), max_length=200)


class NoteForm(VersionForm):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=3000)
    attachments = MultipleFileField(label=_("Attachments"))


class AnswerForm(VersionForm):
    text = forms.CharField(label=_("Answer to the citizen"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=5000)
    attachments = MultipleFileField(label=_("Attachments"))


class ExtensionForm(VersionForm):
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class SuspensionForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class ReviewForm(VersionForm):
    passed = forms.TypedChoiceField(coerce=lambda v: v == "1",
                                    choices=[("1", _("Pass")), ("0", _("Send back"))])
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class SuggestionCloseForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SuggestionOutcome.choices)
    note = forms.CharField(label=_("Reply"), max_length=2000, required=False)


class CallbackForm(VersionForm):
    reached = forms.TypedChoiceField(label=_("Reached"), coerce=lambda v: v == "1",
                                     choices=[("1", _("Reached")), ("0", _("Not reached"))])
    satisfaction = forms.ChoiceField(label=_("Satisfaction"), choices=[("", "—"), *Satisfaction.choices],
                                     required=False)
    resolved = forms.TypedChoiceField(label=_("Resolved"), required=False, empty_value=None,
                                      coerce=lambda v: {"1": True, "0": False}.get(v),
                                      choices=[("", "—"), ("1", _("Yes")), ("0", _("No"))])
    dissatisfied_reason = forms.ChoiceField(label=_("Reason for dissatisfaction"), required=False,
                                            choices=[("", "—"), *DissatisfiedReason.choices])
    comment = forms.CharField(label=_("Comment"), max_length=1000, required=False)


class SupervisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SupervisionKind.choices)
    instructions = forms.CharField(label=_("Instructions"), max_length=2000)


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), max_length=2000)


class CatalogueForm(forms.Form):
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True).order_by("code"), label=_("Category"))
    region = forms.ModelChoiceField(Region.objects.filter(level__in=[RegionLevel.DISTRICT, RegionLevel.TOWN]),
                                    label=_("Region (empty: whole city)"), required=False)
    lead_unit = forms.ModelChoiceField(_active_units(), label=_("Lead unit"))
    assist_units = forms.ModelMultipleChoiceField(_active_units(), label=_("Assisting units"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class KnowledgeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea, max_length=5000)
    category = forms.ModelChoiceField(Category.objects.filter(is_active=True).order_by("code"), label=_("Category"),
                                      required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)


class FollowForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=24)
    code = forms.CharField(label=_("Query code"), max_length=12)
