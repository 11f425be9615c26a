"""Social projects and local activity programmes (PAL): the projects, who takes part."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkApiView, CaseworkListApi, validated
from casework.api.refs import PersonRef, UserRef
from casework.audit import audit_reads
from casework.models import CommunityProject, ProjectParticipation
from casework.models.socialwork import ProjectKind
from casework.permissions import Capability, has_capability, require_capability
from casework.selectors.people import person_by_id
from casework.selectors.socialwork import participation_get, project_get, project_list
from casework.services.socialwork import (
    project_create,
    project_participant_add,
    project_participant_remove,
)
from opsplatform.api.authentication import account
from opsplatform.api.fields import TextField
from tenants.accounts.models import User


class ParticipationOutput(serializers.ModelSerializer[ProjectParticipation]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = PersonRef(read_only=True)

    class Meta:
        model = ProjectParticipation
        fields = ["id", "person", "joined_on", "left_on"]


class ProjectOutput(serializers.ModelSerializer[CommunityProject]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    coordinator = UserRef(read_only=True)
    participants_count = serializers.IntegerField(
        read_only=True, help_text="Liczba obecnych uczestników."
    )

    class Meta:
        model = CommunityProject
        fields = [
            "id", "name", "kind", "starts_on", "ends_on", "coordinator", "target_groups",
            "participants_count", "created_at",
        ]  # fmt: skip


class ProjectDetailOutput(ProjectOutput):
    participations = ParticipationOutput(many=True, read_only=True)

    class Meta(ProjectOutput.Meta):
        fields = [*ProjectOutput.Meta.fields, "participations"]


class ProjectInput(serializers.Serializer[Any]):
    name = TextField(max_length=200)
    kind = serializers.ChoiceField(ProjectKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    target_groups = serializers.ListField(child=TextField(max_length=100), required=False)


class ProjectQuery(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(ProjectKind.choices, required=False)
    active_on = serializers.DateField(required=False)


class ParticipantInput(serializers.Serializer[Any]):
    person = serializers.UUIDField()
    joined_on = serializers.DateField()


class ParticipantRemoveInput(serializers.Serializer[Any]):
    left_on = serializers.DateField()


@extend_schema_view(
    get=extend_schema(
        operation_id="project_list",
        parameters=[
            OpenApiParameter("kind", str, enum=ProjectKind.values),
            OpenApiParameter("active_on", dt.date, description="Trwające w danym dniu."),
        ],
        responses=ProjectOutput(many=True),
    )
)
class ProjectListApi(CaseworkListApi):
    serializer = ProjectOutput
    audited = False  # names, dates and head counts: the participants are in the detail only

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[CommunityProject]:
        query = validated(ProjectQuery, request.query_params)
        return project_list(kind=query.get("kind", ""), active_on=query.get("active_on"))

    @extend_schema(
        operation_id="project_create",
        request=ProjectInput,
        responses={201: ProjectDetailOutput},
        description="Projekt socjalny lub program aktywności lokalnej (PAL).",
    )
    def post(self, request: Request) -> Response:
        data = validated(ProjectInput, request.data)
        project = project_create(user=account(request), **data)
        return Response(
            ProjectDetailOutput(project_get(public_id=project.public_id)).data,
            status=status.HTTP_201_CREATED,
        )


class ProjectDetailApi(CaseworkApiView):
    @extend_schema(operation_id="project_get", responses=ProjectDetailOutput)
    def get(self, request: Request, project_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        project = project_get(public_id=project_id)
        data = ProjectDetailOutput(project).data
        # Who takes part is shown to those who run projects (social work), the manager and the
        # auditor; other roles see the project and its head count, not the participants' names.
        if has_capability(account(request), Capability.PROJECT_MANAGE) or has_capability(
            account(request), Capability.AUDIT_READ
        ):
            audit_reads(project.participations.all())
        else:
            data["participations"] = []
        return Response(data)


class ProjectParticipantAddApi(CaseworkApiView):
    @extend_schema(
        operation_id="project_participant_add",
        request=ParticipantInput,
        responses={201: ParticipationOutput},
    )
    def post(self, request: Request, project_id: str) -> Response:
        require_capability(account(request), Capability.PROJECT_MANAGE)
        project = project_get(public_id=project_id)
        data = validated(ParticipantInput, request.data)
        participation = project_participant_add(
            user=account(request),
            project=project,
            person=person_by_id(data["person"], field="person"),
            joined_on=data["joined_on"],
        )
        return Response(ParticipationOutput(participation).data, status=status.HTTP_201_CREATED)


class ProjectParticipantRemoveApi(CaseworkApiView):
    @extend_schema(
        operation_id="project_participant_remove",
        request=ParticipantRemoveInput,
        responses=ParticipationOutput,
    )
    def post(self, request: Request, project_id: str, participation_id: str) -> Response:
        project = project_get(public_id=project_id)
        participation = participation_get(project=project, public_id=participation_id)
        data = validated(ParticipantRemoveInput, request.data)
        participation = project_participant_remove(
            user=account(request), participation=participation, **data
        )
        return Response(ParticipationOutput(participation).data)
