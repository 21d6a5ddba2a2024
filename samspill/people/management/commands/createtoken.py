"""`samspill createtoken USERNAME`: make a personal API token and print only the token."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samspill.lib.errors import ActionError
from samspill.people.actions import create_token
from samspill.people.models import Person


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME; only the token is printed on stdout."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="The person the token acts as.")
        parser.add_argument(
            "--name",
            default="command line",
            help="What the token is for, shown in the person's list (default: %(default)s).",
        )

    def handle(self, *, username: str, name: str, **options: Any) -> None:
        person = Person.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"Nobody has the username {username!r}.")
        if not person.is_active:
            raise CommandError(f"{username!r} is deactivated and cannot have API tokens.")
        try:
            _token, raw = create_token(person, name=name, by=None)
        except ActionError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)
        if options["verbosity"] > 0:
            message = f"Created the API token {name!r} for {username}."
            self.stderr.write(message, style_func=self.style.SUCCESS)
