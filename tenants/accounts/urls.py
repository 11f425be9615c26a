from django.urls import path

from tenants.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("logowanie/", views.LoginView.as_view(), name="login"),
    path("logowanie/kod/", views.LoginCodeView.as_view(), name="login-code"),
    path("logowanie/aplikacja/", views.LoginEnrolView.as_view(), name="login-enrol"),
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
