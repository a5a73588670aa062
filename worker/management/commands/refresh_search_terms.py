"""`manage.py refresh_search_terms [--library SCHEMA]`: choose catalogs' search terms afresh,
and count the words spelling suggestions are drawn from.

An import of 1,000 records or more does this for its library; this is for a catalog that grew
by other means (edits, smaller imports), or that was there before search terms were.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_context

from catalog.services import search_terms_refresh, search_words_refresh
from tenants.models import Library
from tenants.platform import library_for_command


class Command(BaseCommand):
    help = (
        "Choose the search terms (the words in STACKS_SEARCH_TERM_RECORDS records or more, "
        "whose matches are kept in rank order) of one library's catalog, or of every library's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--library",
            help="a library's schema name, name as signed up or host name (else every library)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        public = get_public_schema_name()
        with schema_context(public):
            libraries = Library.objects.exclude(schema_name=public).order_by("schema_name")
            if options["library"]:
                libraries = libraries.filter(pk=library_for_command(options["library"]).pk)
            schemas = list(libraries.values_list("schema_name", flat=True))
        held_off = []
        for schema in schemas:
            with schema_context(schema):
                terms = search_terms_refresh()
                words = search_words_refresh()
            if terms is None:
                held_off.append(schema)
                self.stderr.write(f"{schema}: writers held the catalog; its terms are unchanged.")
            else:
                self.stdout.write(f"{schema}: search terms chosen: {len(terms)}")
            self.stdout.write(f"{schema}: words for spelling suggestions: {words}")
        if held_off:
            raise CommandError(f"Try again later for: {', '.join(held_off)}.")
