"""Token log-in for API clients: POST a user name and password (and the authenticator code, or a
recovery code, where the account has two-factor log-in) and a device name, get a token for this
host only (tokens live in the schema of the centre or of the portal, like the accounts). Failures
count towards the same lock-out as the log-in page's. A user lists and revokes their own tokens."""

from typing import Any, cast
from uuid import UUID

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opsplatform.api.exceptions import body
from opsplatform.errors import NotAllowed, NotFound, ValidationFailed
from tenants.accounts import lockout, two_factor
from tenants.accounts.models import ApiToken, User
from tenants.accounts.tokens import (
    DEFAULT_NAME,
    api_token_issue,
    api_token_list,
    api_token_revoke,
    expires_at,
)


class TokenLoginInput(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=24,
        help_text="Kod z aplikacji uwierzytelniającej albo kod odzyskiwania (konta z logowaniem "
        "dwuetapowym).",
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Nazwa urządzenia lub programu, dla którego jest token (jeden token na "
        f"urządzenie: nowy zastępuje poprzedni). Domyślnie „{DEFAULT_NAME}”.",
    )


class ApiTokenOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.SerializerMethodField()

    def get_expires_at(self, token: ApiToken) -> str:
        return expires_at(token).isoformat()


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
            200: inline_serializer(
                "TokenOutput",
                {
                    "token": serializers.CharField(),
                    "id": serializers.UUIDField(),
                    "name": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                },
            ),
            **dict.fromkeys((400, 403, 429), TOKEN_LOGIN_ERROR),
        },
        description="Zwraca token do nagłówka `Authorization: Token <token>` (pokazywany tylko "
        "raz; serwer przechowuje jedynie jego skrót). Działa tylko na adresie ośrodka (lub "
        "portalu), w którym istnieje konto. Konta z logowaniem dwuetapowym podają też `otp`, kod "
        "z aplikacji uwierzytelniającej albo kod odzyskiwania; pracownik ośrodka, który jej nie "
        "ustawił, prosi kierownika o link do jej ustawienia. Token wygasa po okresie "
        "nieużywania i w każdym razie po określonym czasie od wydania (`expires_at` podaje "
        "najbliższy koniec), a także po wylogowaniu ze wszystkich urządzeń i zmianie hasła. Po "
        "pięciu nieudanych próbach w ciągu 15 minut konto jest blokowane na 15 minut "
        "(odpowiedź 429 z nagłówkiem Retry-After).",
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
                "ustawiona. Poproś kierownika ośrodka o link do jej ustawienia.",
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
            if not two_factor.verify_second_factor(user, code):
                locked = lockout.record_failure(username, address, stage="api-code")
                if locked:
                    return _too_many_attempts(locked)
                raise ValidationFailed(
                    "Nieprawidłowy lub już użyty kod.",
                    fields={"otp": ["Nieprawidłowy lub już użyty kod."]},
                    code="invalid_otp",
                )
        lockout.record_success(username)
        issued = api_token_issue(
            user=user,
            name=data.validated_data.get("name") or "",
            second_factor=device is not None,
        )
        return Response(
            {
                "token": issued.key,
                "id": str(issued.token.public_id),
                "name": issued.token.name,
                "expires_at": expires_at(issued.token).isoformat(),
            },
            status=status.HTTP_200_OK,
        )


def _too_many_attempts(locked: lockout.Locked) -> Response:
    message = f"Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za {locked.minutes} min."
    return Response(
        body("too_many_attempts", message),
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(locked.seconds)},
    )


class TokenLogoutApi(APIView):
    """Revoke the token this request came with (a session-authenticated call changes nothing)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_delete", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            api_token_revoke(user=_user(request), public_id=request.auth.public_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _user(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated: an account of this schema


class ApiTokenListApi(APIView):
    """The user's own tokens (never their keys)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_tokens_list", responses={200: ApiTokenOutput(many=True)})
    def get(self, request: Request) -> Response:
        tokens = api_token_list(user=_user(request))
        return Response(ApiTokenOutput(tokens, many=True).data)


class ApiTokenRevokeApi(APIView):
    """Revoke one of the user's own tokens (another user's token is not found)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_tokens_destroy", request=None, responses={204: None})
    def delete(self, request: Request, token_id: UUID) -> Response:
        if not api_token_revoke(user=_user(request), public_id=token_id):
            raise NotFound("Nie ma takiego tokenu.", code="token_not_found")
        return Response(status=status.HTTP_204_NO_CONTENT)
