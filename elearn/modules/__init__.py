"""Feature packages, one blueprint each; BLUEPRINTS is the order create_app registers them in."""

from elearn.modules.admin.views import bp as admin_bp
from elearn.modules.assignments.views import bp as assignments_bp
from elearn.modules.auth import twofactor_views as _twofactor_views  # noqa: F401  (adds its routes)
from elearn.modules.auth.views import bp as auth_bp
from elearn.modules.certification.views import bp as certification_bp
from elearn.modules.core.views import bp as core_bp
from elearn.modules.courses.views import bp as courses_bp
from elearn.modules.privacy.views import bp as privacy_bp
from elearn.modules.quizzes.views import bp as quizzes_bp
from elearn.modules.reports import assignments_views as _assignments_views  # noqa: F401  (adds its routes)
from elearn.modules.reports import certification_views as _certification_views  # noqa: F401  (adds its routes)
from elearn.modules.reports import completion_views as _completion_views  # noqa: F401  (adds its routes)
from elearn.modules.reports import record_views as _record_views  # noqa: F401  (adds its routes)
from elearn.modules.reports import trends_views as _trends_views  # noqa: F401  (adds its routes)
from elearn.modules.reports.views import bp as reports_bp
from elearn.modules.sso.views import bp as sso_bp
from elearn.modules.workshops import manage as _workshops_manage  # noqa: F401  (adds its routes)
from elearn.modules.workshops.views import bp as workshops_bp

BLUEPRINTS = (core_bp, auth_bp, courses_bp, quizzes_bp, admin_bp, workshops_bp, certification_bp,
              assignments_bp, reports_bp, sso_bp, privacy_bp)
