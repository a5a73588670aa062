"""A library's catalog as one zip of JSON Lines files, written through Django's storage."""

import base64
import io
import json
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.models import (
    Contributor,
    Identifier,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    Subject,
)
from tenants.models import Library

# The catalog's own tables; the search vectors and term ranks are computed from them.
_BUNDLED: tuple[type[models.Model], ...] = (
    Location, Contributor, Subject, Record, RecordContributor, RecordSubject, Identifier, Item,
)  # fmt: skip


class _Encoder(DjangoJSONEncoder):
    def default(self, o: object) -> object:
        if isinstance(o, bytes | memoryview):
            return base64.b64encode(bytes(o)).decode()
        return super().default(o)


def library_bundle_write(*, library: Library) -> str:
    """Write every catalog table of `library` to storage; returns the bundle's storage name."""
    buffer = io.BytesIO()
    counts: dict[str, int] = {}
    with (
        schema_context(library.schema_name),
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for model in _BUNDLED:
            fields = [f.attname for f in model._meta.concrete_fields]
            label = model._meta.model_name
            lines = []
            for row in (
                model._default_manager.order_by("pk").values(*fields).iterator(chunk_size=2000)
            ):
                lines.append(json.dumps(row, cls=_Encoder))
            counts[str(label)] = len(lines)
            archive.writestr(f"{label}.jsonl", "\n".join(lines) + ("\n" if lines else ""))
        manifest = {
            "library": library.schema_name,
            "name": library.name,
            "written_at": timezone.now().isoformat(),
            "counts": counts,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    name = f"{settings.STACKS_BUNDLE_PREFIX}/{library.schema_name}-{stamp}.zip"
    return default_storage.save(name, ContentFile(buffer.getvalue()))
