"""Citizens' ratings of completed projects (群众评价), given on the project's public page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minsheng.conflicts import Conflict

from .. import selectors as sel
from ..choices import ProjectStatus, RatingLevel
from ..models import Project, ProjectRating

COMMENT_MAX = 500


def project_rate(*, actor, project: Project, level: str, comment: str = "") -> ProjectRating:
    """A signed-in citizen rates a completed project of a published list: satisfied, basically satisfied or
    dissatisfied, with an optional comment — once per account (the database holds it to one)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in with your citizen account to rate a project."))
    if not sel.public_projects().filter(pk=project.pk).exists():
        raise PermissionDenied(_("This project is not on a published list."))
    if project.status != ProjectStatus.COMPLETED:
        raise ValidationError(_("A project is rated once it is completed."))
    if level not in RatingLevel.values:
        raise ValidationError({"level": _("Choose satisfied, basically satisfied or dissatisfied.")})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("The comment is longer than %(n)d characters.") % {"n": COMMENT_MAX}})
    if ProjectRating.objects.filter(project=project, citizen=actor).exists():
        raise Conflict(_("You have rated this project already."))
    try:
        with transaction.atomic():
            return ProjectRating.objects.create(project=project, citizen=actor, level=level, comment=comment)
    except IntegrityError as exc:  # a second click at the same moment
        raise Conflict(_("You have rated this project already.")) from exc
