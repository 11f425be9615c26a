from django.urls import path

from tenants.accounts.views import LoginView, LogoutView

app_name = "accounts"

urlpatterns = [
    path("logowanie/", LoginView.as_view(), name="login"),
    path("wyloguj/", LogoutView.as_view(), name="logout"),
]
