"""URL configuration: every page of Alliance. Record ids in URLs are UUIDs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alliance.web import benchfloor
from alliance.web.measures.views import client as client_check_views
from alliance.web.measures.views import practitioner as measures_views
from alliance.web.pages import caseload, clients, selfcare, sessions
from alliance.web.practice.views import episodes
from alliance.web.security import audit_log
from alliance.web.views import favicon, healthz, readyz

urlpatterns = [
    path("", caseload.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("favicon.ico", favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("caseload/", caseload.caseload, name="caseload"),
    path("self-care/", selfcare.self_care, name="self_care"),
    path("self-care/check-in/", selfcare.self_care_check_in, name="self_care_check_in"),
    path("clients/", caseload.client_list, name="client_list"),
    path("clients/new/", clients.client_new, name="client_new"),
    path("clients/<uuid:client_id>/", clients.client_detail, name="client"),
    path("clients/<uuid:client_id>/episodes/new/", episodes.episode_new, name="episode_new"),
    path("episodes/<uuid:episode_id>/phase/", episodes.episode_phase, name="episode_phase"),
    path("episodes/<uuid:episode_id>/end/", episodes.episode_end, name="episode_end"),
    path("episodes/<uuid:episode_id>/sessions/new/", sessions.session_new, name="session_new"),
    path("sessions/<uuid:session_id>/", sessions.session_detail, name="session"),
    path("sessions/<uuid:session_id>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<uuid:session_id>/check/", measures_views.check_create, name="check_create"),
    path("sessions/<uuid:session_id>/rate/", measures_views.session_rate, name="session_rate"),
    path("checks/<uuid:check_id>/", measures_views.check_detail, name="check"),
    path("checks/<uuid:check_id>/revoke/", measures_views.check_revoke, name="check_revoke"),
    path("checks/<uuid:check_id>/email/", measures_views.check_email, name="check_email"),
    path("checks/<uuid:check_id>/tablet/", measures_views.check_tablet, name="check_tablet"),
    path("episodes/<uuid:episode_id>/plan/", measures_views.episode_plan, name="episode_plan"),
    path(
        "plan-items/<uuid:item_id>/remove/",
        measures_views.plan_item_remove,
        name="plan_item_remove",
    ),
    path(
        "responses/<uuid:response_id>/acknowledge/",
        measures_views.response_acknowledge,
        name="response_acknowledge",
    ),
    path("responses/<uuid:response_id>/fhir/", measures_views.response_fhir, name="response_fhir"),
    path("c/<str:token>/", client_check_views.client_check, name="client_check"),
    path(
        "c/<str:token>/thanks/", client_check_views.client_check_thanks, name="client_check_thanks"
    ),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("", include("alliance.web.transcripts.urls")),
    path("", include("alliance.web.insights.urls")),
    path("", include("alliance.web.research.urls")),
    path("", include("alliance.web.collaboration.urls")),
    path("", include("alliance.web.journal.urls")),
    path("", include("alliance.web.intake.urls")),
    path("", include("alliance.web.api.urls")),
    path("", include("alliance.web.webhooks.urls")),
    path("", include("alliance.web.security.urls")),
    path("", include("alliance.web.rights.urls")),
    path("", include("alliance.web.outcomes.urls")),
    path("admin/", admin.site.urls),
]

# The benchmark floor (bench/load.py) exists only when ALLIANCE_BENCH_FLOOR=true.
urlpatterns += (
    [path("bench/floor/", benchfloor.floor, name="bench_floor")] if benchfloor.ENABLED else []
)

# A request over Django's size limits gets a page (or JSON error) that names the limit.
handler400 = "alliance.web.views.handle_bad_request"
