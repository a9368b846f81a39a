"""What goes out about an award: the PDF's texts in the holder's language, and the e-mails."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from elearn.i18n import in_locale
from elearn.modules.certification.certificate import CertificateText, render_pdf
from elearn.modules.certification.eligibility import valid_until
from elearn.modules.courses.catalogue import LearningPath
from elearn.modules.outbox.services import absolute_url, queue_message, recipient_locale


def verify_url(number: str) -> str:
    """The verification page's address, from ELEARN_BASE_URL (never the request's host)."""
    return absolute_url("certification.verify", number=number)


def certificate_text(user, path: LearningPath, number: str, issued_at: datetime,
                     expires_at: datetime) -> CertificateText:
    """The certificate's texts in the holder's language (dates in Copenhagen time)."""
    locale = recipient_locale(user)
    with in_locale(locale):
        return CertificateText(
            heading=_("Certificate"), holder=user.name, path_title=path.title(locale),
            unit=user.unit.name if user.unit else "",
            statement=_("has completed the learning path"),
            facts=((_("Issued"), format_date(issued_at, "long")),
                   (_("Valid until"), format_date(valid_until(expires_at), "long")),
                   (_("Certificate number"), number)),
            verify_label=_("Check that this certificate is genuine and valid at"),
            verify_url=verify_url(number), site_name=current_app.config["SITE_NAME"],
            language=locale, issued_at=issued_at)


def certificate_pdf(user, path: LearningPath, number: str, issued_at: datetime,
                    expires_at: datetime) -> bytes:
    return render_pdf(certificate_text(user, path, number, issued_at, expires_at))


def queue_issued_mail(award, path: LearningPath, renewed: bool) -> None:
    user = award.user
    queue_message(user, "certification/mail/issued.txt", renewed=renewed,
                  title=path.title(recipient_locale(user)), expires_at=valid_until(award.expires_at),
                  number=award.number,
                  url=absolute_url("certification.certificate", number=award.number))


def queue_reminder(award, path: LearningPath, days_left: int):
    """The expiry reminder e-mail ("expires in days_left days"); returns the outbox row."""
    user = award.user
    return queue_message(user, "certification/mail/reminder.txt",
                         title=path.title(recipient_locale(user)), expires_at=valid_until(award.expires_at),
                         days=days_left,
                         url=absolute_url("certification.path", slug=path.slug))
