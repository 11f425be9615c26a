"""Token log-in for API clients: POST a user name and password (and the authenticator code where
the account has two-factor log-in), get a token for this host only (tokens live in the schema of
the centre or of the portal, like the accounts). Failures count towards the same lock-out as the
log-in page's."""

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opsplatform.api.exceptions import body
from opsplatform.errors import NotAllowed, ValidationFailed
from tenants.accounts import lockout, two_factor


class TokenLoginInput(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="Kod z aplikacji uwierzytelniającej (konta z logowaniem dwuetapowym).",
    )


TOKEN_LOGIN_ERROR = inline_serializer(
    "TokenLoginError",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class TokenLoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenLoginInput,
        responses={
            200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
            **dict.fromkeys((400, 403, 429), TOKEN_LOGIN_ERROR),
        },
        description="Zwraca token do nagłówka `Authorization: Token <token>`. Działa tylko na "
        "adresie ośrodka (lub portalu), w którym istnieje konto. Konta z logowaniem dwuetapowym "
        "podają też `otp`, kod z aplikacji uwierzytelniającej; pracownik ośrodka, który jej "
        "jeszcze nie ustawił, robi to najpierw przez stronę logowania. Po pięciu nieudanych "
        "próbach w ciągu 15 minut konto jest blokowane na 15 minut (odpowiedź 429 z "
        "nagłówkiem Retry-After).",
    )
    def post(self, request: Request) -> Response:
        data = TokenLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        address = lockout.client_address(request._request)
        locked = lockout.locked(username, address)
        if locked:
            return _too_many_attempts(locked)
        user = authenticate(
            request._request, username=username, password=data.validated_data["password"]
        )
        if user is None:
            locked = lockout.record_failure(username, address, stage="api-password")
            if locked:
                return _too_many_attempts(locked)
            raise ValidationFailed(
                "Nieprawidłowa nazwa użytkownika lub hasło.",
                fields={"password": ["Nieprawidłowa nazwa użytkownika lub hasło."]},
                code="invalid_credentials",
            )
        device = two_factor.confirmed_device(user)
        if device is None and two_factor.required_for(user):
            raise NotAllowed(
                "To konto wymaga logowania dwuetapowego, a aplikacja uwierzytelniająca nie jest "
                "jeszcze ustawiona. Zaloguj się najpierw przez stronę logowania, aby ją ustawić.",
                code="two_factor_enrolment_required",
            )
        if device is not None:
            code = data.validated_data.get("otp") or ""
            if not code:
                raise ValidationFailed(
                    "Podaj kod z aplikacji uwierzytelniającej.",
                    fields={"otp": ["Podaj kod z aplikacji uwierzytelniającej."]},
                    code="otp_required",
                )
            if not two_factor.verify(user, code):
                locked = lockout.record_failure(username, address, stage="api-code")
                if locked:
                    return _too_many_attempts(locked)
                raise ValidationFailed(
                    "Nieprawidłowy lub już użyty kod.",
                    fields={"otp": ["Nieprawidłowy lub już użyty kod."]},
                    code="invalid_otp",
                )
        lockout.record_success(username)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


def _too_many_attempts(locked: lockout.Locked) -> Response:
    message = f"Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za {locked.minutes} min."
    return Response(
        body("too_many_attempts", message),
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(locked.seconds)},
    )


class TokenLogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_delete", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        Token.objects.filter(user_id=int(request.user.pk or 0)).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
