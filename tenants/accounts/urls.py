from django.urls import path

from tenants.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("logowanie/", views.LoginView.as_view(), name="login"),
    path("logowanie/kod/", views.LoginCodeView.as_view(), name="login-code"),
    path("aplikacja/<str:token>/", views.EnrolLinkView.as_view(), name="enrol-link"),
    path("kody-odzyskiwania/", views.recovery_codes, name="recovery-codes"),
    path(
        "kody-odzyskiwania/nowe/",
        views.recovery_codes_regenerate,
        name="recovery-codes-regenerate",
    ),
    path("tokeny/<uuid:token_id>/uniewaznij/", views.api_token_revoke, name="api-token-revoke"),
    path("pracownicy/", views.staff_two_factor, name="staff-two-factor"),
    path(
        "pracownicy/<uuid:public_id>/link/",
        views.staff_enrolment_link,
        name="staff-enrolment-link",
    ),
    path("wyloguj/", views.LogoutView.as_view(), name="logout"),
    path("wyloguj-wszedzie/", views.logout_everywhere, name="logout-everywhere"),
    path("dwuetapowe/", views.TwoFactorSetupView.as_view(), name="two-factor-setup"),
    path("dwuetapowe/wylacz/", views.two_factor_disable, name="two-factor-disable"),
    path("haslo/zmien/", views.PasswordChangeView.as_view(), name="password-change"),
    path("haslo/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("haslo/reset/wyslano/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "haslo/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "haslo/reset/gotowe/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
]
