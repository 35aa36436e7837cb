"""URLs of the security app: the second sign-in step and one's own second factor."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from alliance.web.security import views

urlpatterns = [
    path("login/verify/", views.verify, name="two_factor_verify"),
    path("account/two-factor/", views.overview, name="two_factor"),
    path("account/two-factor/enrol/", views.enrol, name="two_factor_enrol"),
    path(
        "account/two-factor/recovery-codes/",
        views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("account/two-factor/disable/", views.disable, name="two_factor_disable"),
    path("account/two-factor/dismiss/", views.dismiss, name="two_factor_dismiss"),
    path("account/two-factor/practice/", views.practice_setting, name="two_factor_practice"),
    # The single-use link an admin sends (never a password): the owner sets their own.
    path(
        "reset/<str:uidb64>/<str:token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
