"""URLs of the security app: the second sign-in step and one's own second factor."""

from django.urls import path

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
]
