"""Regions, units, people and the roles they hold."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.identifiers import validate_mobile

from .choices import RegionLevel, Role, UnitKind


class Region(models.Model):
    """A node of the administrative tree: city > district > town/street > community > grid."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    division_code = models.CharField(
        _("national division code"), max_length=12, blank=True, help_text=_("GB/T 2260 code where one exists")
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("/440600/440604/440604010/") so a subtree is one indexed prefix query.
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    geometry = models.JSONField(_("GeoJSON geometry"), null=True, blank=True)
    # Bounding box of the geometry (lng/lat), used to find candidates before the exact point-in-polygon test.
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "min_lng", "max_lng"])]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: "Region") -> bool:
        return self.path.startswith(other.path)


class Unit(models.Model):
    """An organisation that takes duties: a department, district government, town office or utility."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    regions = models.ManyToManyField(Region, verbose_name=_("regions served"), blank=True, related_name="units")
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. What they may do comes from their role memberships."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_username()


class Membership(models.Model):
    """One role held by one person, scoped to a unit and/or a region (no region: the whole city)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        where = " / ".join(str(x) for x in (self.unit, self.region) if x)
        return f"{self.user} · {self.get_role_display()}" + (f" · {where}" if where else "")


class ApiKey(models.Model):
    """A key that lets a machine (a call-centre system, an Open311 client) act over the API within one grant.

    Issued by ``api_key_issue`` only: the raw key is shown once and only its hash is kept. The key acts
    with its membership's role and reach alone, never with the person's other grants."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys",
                             editable=False)
    membership = models.ForeignKey(Membership, verbose_name=_("role membership"), null=True,
                                   on_delete=models.CASCADE, related_name="api_keys", editable=False)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=128, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
