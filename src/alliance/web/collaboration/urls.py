"""URLs of goals, tasks, decisions, rituals, session prep and the client portal (UUID ids)."""

from django.urls import path

from alliance.web.collaboration.views import goals, portal, portal_manage
from alliance.web.pages import prep

urlpatterns = [
    path("episodes/<uuid:episode_id>/goals/new/", goals.goal_new, name="goal_new"),
    path("goals/<uuid:goal_id>/edit/", goals.goal_edit, name="goal_edit"),
    path("episodes/<uuid:episode_id>/goals/rate/", goals.goal_rate, name="goal_rate"),
    path("episodes/<uuid:episode_id>/tasks/new/", goals.task_new, name="task_new"),
    path("tasks/<uuid:task_id>/status/", goals.task_status, name="task_status"),
    path("episodes/<uuid:episode_id>/decisions/new/", goals.decision_new, name="decision_new"),
    path("episodes/<uuid:episode_id>/rituals/", goals.ritual_choose, name="ritual_choose"),
    path("sessions/<uuid:session_id>/prep/", prep.session_prep, name="session_prep"),
    path("episodes/<uuid:episode_id>/prep/", prep.episode_prep, name="episode_prep"),
    path("clients/<uuid:client_id>/portal/", portal_manage.portal_manage, name="portal_manage"),
    path(
        "portal-links/<uuid:portal_id>/revoke/", portal_manage.portal_revoke, name="portal_revoke"
    ),
    path("client-notes/<uuid:note_id>/seen/", portal_manage.note_seen, name="client_note_seen"),
    path("p/<str:portal_token>/", portal.portal, name="portal"),
    path("p/<str:portal_token>/logout/", portal.portal_logout, name="portal_logout"),
]
