from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from tenants.selectors import centre_list, team_list_with_staffing


class Command(BaseCommand):
    help = "List the provisioned centres: host, TERYT, go-live and org structure (or only URLs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--urls", action="store_true", help="Print only the URLs, one a line.")

    def handle(self, *args: Any, **options: Any) -> None:
        port = settings.RUN_PORT
        if options["urls"]:
            self.stdout.write(f"http://{settings.PORTAL_HOST}:{port}/")
            for centre in centre_list():
                self.stdout.write(f"http://{centre.slug}.{settings.PORTAL_HOST}:{port}/")
            return
        for centre in centre_list():
            programme = centre.programme
            assumed = " (przyjęta)" if programme.is_assumed("go_live") else ""
            self.stdout.write(
                f"{centre.short_name}  [{centre.schema_name}]  TERYT {centre.teryt_terc}  "
                f"{centre.get_voivodeship_display()}  {centre.population} mieszk.  "
                f"nowa struktura od {programme.go_live}{assumed}  budżet {programme.budget_pln} zł"
            )
            with schema_context(centre.schema_name):
                for team in team_list_with_staffing():
                    indent = "    " if team.parent_id else "  "
                    functions = ", ".join(team.function_labels()) or "—"
                    positions = getattr(team, "position_count", 0)
                    self.stdout.write(f"{indent}{team.name}: {functions}; stanowisk {positions}")
