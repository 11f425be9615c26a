"""Token log-in for API clients: POST a user name and password, get a token for this host only
(tokens live in the schema of the centre or of the portal, like the accounts)."""

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opsplatform.errors import ValidationFailed


class TokenLoginInput(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenLoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenLoginInput,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
        description="Zwraca token do nagłówka `Authorization: Token <token>`. Działa tylko na "
        "adresie ośrodka (lub portalu), w którym istnieje konto.",
    )
    def post(self, request: Request) -> Response:
        data = TokenLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise ValidationFailed(
                "Nieprawidłowa nazwa użytkownika lub hasło.",
                fields={"password": ["Nieprawidłowa nazwa użytkownika lub hasło."]},
                code="invalid_credentials",
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class TokenLogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_delete", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        Token.objects.filter(user_id=int(request.user.pk or 0)).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
