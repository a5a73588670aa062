"""Spine and barcode labels as PDF (ReportLab), on Avery 5160 sheets or a grid in millimetres."""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from reportlab.graphics.barcode import code128
from reportlab.lib.units import inch, mm
from reportlab.pdfgen import canvas

from catalog.imports.models import ImportRow
from catalog.models import Item
from circulation.selectors import item_ids_by_barcode
from common.errors import ApplicationError
from common.language import quoted

MAX_LABELS = 5000
# An LC call number: class letters, then digits with no space (QA76.73.P98 L88 2008).
_LC = re.compile(r"^([A-Z]{1,3})(\d+(?:\.\d+)?)(.*)$")
_CUTTER = re.compile(r"(?=\.[A-Z])|\s+")


def call_number_lines(call_number: str) -> list[str]:
    """A call number as spine label lines. LC: class letters, class number, then each cutter
    and the date on its own line (QA / 76.73 / .P98 / L88 / 2008); Dewey and anything else:
    one line per word (J / 599.75 / HOW)."""
    text = " ".join(call_number.split())
    if not text:
        return []
    lc = _LC.match(text)
    if lc is None:
        return text.split(" ")
    letters, number, rest = lc.groups()
    return [letters, number, *(part for part in _CUTTER.split(rest.strip()) if part)]


@dataclass(frozen=True)
class Sheet:
    """A sheet of labels: page size, grid, label size and pitch, all in points."""

    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    top: float
    left: float
    column_pitch: float
    row_pitch: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def origin(self, position: int) -> tuple[float, float]:
        """The bottom-left corner of the label at `position` (0-based, across then down)."""
        row, column = divmod(position, self.columns)
        x = self.left + column * self.column_pitch
        y = self.page_height - self.top - row * self.row_pitch - self.label_height
        return x, y


# Avery 5160 (and 8160): US Letter, 3 x 10 labels of 2 5/8 x 1 inch.
AVERY_5160 = Sheet(
    page_width=8.5 * inch, page_height=11 * inch, columns=3, rows=10,
    label_width=2.625 * inch, label_height=1 * inch, top=0.5 * inch, left=0.1875 * inch,
    column_pitch=2.75 * inch, row_pitch=1 * inch,
)  # fmt: skip


def sheet_custom(
    *, page_width_mm: float, page_height_mm: float, columns: int, rows: int,
    label_width_mm: float, label_height_mm: float, top_mm: float, left_mm: float,
    column_gap_mm: float = 0, row_gap_mm: float = 0,
) -> Sheet:  # fmt: skip
    """A grid in millimetres, checked to fit on its page."""
    if not (1 <= columns <= 20 and 1 <= rows <= 50):
        raise ApplicationError(gettext("A sheet has 1 to 20 columns and 1 to 50 rows."))
    sizes = (page_width_mm, page_height_mm, label_width_mm, label_height_mm)
    if min(sizes) <= 0 or min(top_mm, left_mm, column_gap_mm, row_gap_mm) < 0:
        raise ApplicationError(gettext("Sizes are positive and margins and gaps not negative."))
    width = left_mm + columns * label_width_mm + (columns - 1) * column_gap_mm
    height = top_mm + rows * label_height_mm + (rows - 1) * row_gap_mm
    if width > page_width_mm + 0.01 or height > page_height_mm + 0.01:
        raise ApplicationError(
            gettext(
                "The grid (%(width)s x %(height)s mm with margins) does not fit on the page "
                "(%(page_width)s x %(page_height)s mm)."
            )
            % {
                "width": f"{width:.1f}",
                "height": f"{height:.1f}",
                "page_width": f"{page_width_mm:g}",
                "page_height": f"{page_height_mm:g}",
            },
            code="grid_too_large",
        )
    return Sheet(
        page_width=page_width_mm * mm, page_height=page_height_mm * mm, columns=columns,
        rows=rows, label_width=label_width_mm * mm, label_height=label_height_mm * mm,
        top=top_mm * mm, left=left_mm * mm, column_pitch=(label_width_mm + column_gap_mm) * mm,
        row_pitch=(label_height_mm + row_gap_mm) * mm,
    )  # fmt: skip


def label_items(
    *, import_job_id: int | None = None, created_from: date | None = None,
    created_to: date | None = None, location: str = "", barcodes: list[str] | None = None,
) -> QuerySet[Item]:  # fmt: skip
    """The items to label, chosen by import job, date added, location or barcodes (all that
    are given), in call number order; unknown barcodes are an error naming them."""
    items = Item.objects.select_related("record").defer("record__source_marc")
    chosen = False
    if import_job_id is not None:
        ids = [
            pk
            for row_ids in ImportRow.objects.filter(job_id=import_job_id).values_list(
                "created_item_ids", flat=True
            )
            for pk in row_ids
        ]
        items, chosen = items.filter(pk__in=ids), True
    zone = timezone.get_current_timezone()
    if created_from is not None:
        start = datetime.combine(created_from, time.min, tzinfo=zone)
        items, chosen = items.filter(created_at__gte=start), True
    if created_to is not None:
        end = datetime.combine(created_to + timedelta(days=1), time.min, tzinfo=zone)
        items, chosen = items.filter(created_at__lt=end), True
    if location:
        items, chosen = items.filter(location__code=location), True
    if barcodes:
        wanted = list(dict.fromkeys(b.strip() for b in barcodes if b.strip()))
        item_ids_by_barcode(wanted, field="barcodes")
        items, chosen = items.filter(barcode__in=wanted), True
    if not chosen:
        raise ApplicationError(
            gettext("Choose the items: an import job, dates, a location or barcodes."),
            code="nothing_chosen",
        )
    return items.order_by("call_number", "barcode")


def _fit(text: str, font: str, size: float, width: float, c: canvas.Canvas) -> str:
    while text and c.stringWidth(text, font, size) > width:
        text = text[:-1]
    return text


def _barcode_label(c: canvas.Canvas, item: Item, x: float, y: float, sheet: Sheet) -> None:
    pad = min(4.0, sheet.label_width * 0.05)
    width, height = sheet.label_width - 2 * pad, sheet.label_height - 2 * pad
    text_size = max(5.0, min(8.0, height * 0.16))
    bar_height = max(height - 2.4 * text_size, height * 0.4)
    symbol = code128.Code128(item.barcode, barHeight=bar_height, barWidth=1, quiet=False)
    # The widest bars that fit, with ten modules of quiet zone on each side for scanners.
    modules = symbol.width
    bar_width = min(width / (modules + 20), 0.6 * mm)
    symbol = code128.Code128(item.barcode, barHeight=bar_height, barWidth=bar_width, quiet=False)
    symbol.drawOn(c, x + pad + (width - symbol.width) / 2, y + pad + 1.2 * text_size)
    c.setFont("Helvetica", text_size)
    c.drawCentredString(x + sheet.label_width / 2, y + pad + 0.2 * text_size, item.barcode)
    title = _fit(item.record.title, "Helvetica", text_size * 0.9, width, c)
    c.setFont("Helvetica", text_size * 0.9)
    c.drawCentredString(x + sheet.label_width / 2, y + sheet.label_height - pad - text_size, title)


def _spine_label(c: canvas.Canvas, item: Item, x: float, y: float, sheet: Sheet) -> None:
    lines = call_number_lines(item.call_number) or [item.barcode]
    pad = min(4.0, sheet.label_width * 0.05)
    size = min(12.0, (sheet.label_height - 2 * pad) / (len(lines) * 1.15))
    c.setFont("Helvetica-Bold", size)
    top = y + sheet.label_height - pad - size
    for n, line in enumerate(lines):
        c.drawString(
            x + pad,
            top - n * size * 1.15,
            _fit(line, "Helvetica-Bold", size, sheet.label_width - 2 * pad, c),
        )


def labels_pdf(*, items: list[Item], sheet: Sheet, kind: str = "barcode", start: int = 1) -> bytes:
    """The labels of `items`, one each, from position `start` (1-based) of the first sheet."""
    if kind not in ("barcode", "spine"):
        message = gettext("Labels are of kind barcode or spine.")
        raise ApplicationError.of_field("kind", message)
    if not 1 <= start <= sheet.per_sheet:
        message = gettext("The start position is 1 to %(last)s on this sheet.") % {
            "last": sheet.per_sheet
        }
        raise ApplicationError.of_field("start_position", message)
    if not items:
        raise ApplicationError(gettext("No items were chosen."), code="nothing_chosen")
    if len(items) > MAX_LABELS:
        raise ApplicationError(
            gettext("At most %(limit)s labels at a time.") % {"limit": MAX_LABELS}
        )
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(sheet.page_width, sheet.page_height))
    c.setTitle(f"{kind} labels")
    draw = _barcode_label if kind == "barcode" else _spine_label
    position = start - 1
    for item in items:
        if position == sheet.per_sheet:
            c.showPage()
            position = 0
        x, y = sheet.origin(position)
        draw(c, item, x, y, sheet)
        position += 1
    c.showPage()
    c.save()
    return out.getvalue()


def labels_make(
    *, kind: str = "barcode", layout: str = "avery5160", grid: dict[str, float] | None = None,
    start: int = 1, import_job_id: int | None = None, created_from: date | None = None,
    created_to: date | None = None, location: str = "", barcodes: list[str] | None = None,
) -> bytes:  # fmt: skip
    """The labels PDF for items chosen as label_items chooses them, on the named layout."""
    if layout == "custom":
        if not grid:
            message = gettext("The custom layout needs its grid.")
            raise ApplicationError.of_field("grid", message)
        sheet = sheet_custom(**grid)  # type: ignore[arg-type]
    elif layout == "avery5160":
        sheet = AVERY_5160
    else:
        message = gettext("Unknown layout %(layout)s.") % {"layout": quoted(layout)}
        raise ApplicationError.of_field("layout", message)
    items = label_items(
        import_job_id=import_job_id, created_from=created_from, created_to=created_to,
        location=location, barcodes=barcodes,
    )  # fmt: skip
    return labels_pdf(items=list(items[: MAX_LABELS + 1]), sheet=sheet, kind=kind, start=start)
