"""A small, fast reader of the cell texts of one ``.xlsx`` worksheet (Office Open XML), for sheet imports.

It reads what declaration sheets hold, as text: shared and inline strings, numbers (the stored text, so ``10.5``
stays ``10.5``), booleans. Formulas give their cached value. Dates stay Excel serial numbers (write dates as text,
``20240105``, as customs wants them). It parses with lxml safely (no DTD, no entities, no network) and refuses
members larger than a limit. Anything it cannot read raises :class:`XlsxUnsupported` so the caller can fall back
to openpyxl.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from lxml import etree

from eport.errors import ConfigurationError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

#: Largest uncompressed worksheet or shared-strings member read (bytes).
MAX_MEMBER_SIZE = 200 * 1024 * 1024


class XlsxUnsupported(ConfigurationError):  # noqa: N818 - internal signal, not exported
    """The workbook uses something this reader does not handle."""


#: Errors the standard library raises on damaged zip archives (bad CRC, truncated headers, bad seeks, …).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError, KeyError)

#: Markers of a document type declaration or entity declaration, in UTF-8 and both UTF-16 byte orders.
_DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def _open(zf: zipfile.ZipFile, name: str) -> IO[bytes]:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise XlsxUnsupported(f"workbook member {name} is missing") from None
    if info.file_size > MAX_MEMBER_SIZE:
        raise ConfigurationError(f"workbook member {name} is larger than {MAX_MEMBER_SIZE} bytes")
    with zf.open(info) as member:  # never trust the declared size: read at most one byte more than the limit
        data = member.read(MAX_MEMBER_SIZE + 1)
    if len(data) > MAX_MEMBER_SIZE:
        raise ConfigurationError(f"workbook member {name} is larger than {MAX_MEMBER_SIZE} bytes")
    if any(marker in data for marker in _DTD_MARKERS):  # anywhere: a long comment may come first
        raise ConfigurationError(f"workbook member {name} has a DTD; refused")
    return io.BytesIO(data)


def _text_of(el: etree._Element) -> str:
    """Text of a string item: its ``<t>``, or the ``<t>`` of every rich-text run; phonetic hints are skipped."""
    parts = []
    for t in el.iter(f"{_MAIN}t"):
        parent = t.getparent()
        if parent is el or (parent is not None and parent.tag == f"{_MAIN}r"):
            parts.append(t.text or "")
    return "".join(parts)


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    with _open(zf, "xl/sharedStrings.xml") as fh:
        root = etree.parse(fh, _parser()).getroot()
    return [_text_of(si) for si in root.iter(f"{_MAIN}si")]


def _sheet_path(zf: zipfile.ZipFile, sheet: str | int | None) -> str:
    with _open(zf, "xl/workbook.xml") as fh:
        workbook = etree.parse(fh, _parser()).getroot()
    sheets = [(s.get("name") or "", s.get(f"{_REL}id") or "") for s in workbook.iter(f"{_MAIN}sheet")]
    if not sheets:
        raise XlsxUnsupported("workbook has no sheets")
    if sheet is None:
        chosen = sheets[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise ConfigurationError(f"worksheet index {sheet} out of range (0..{len(sheets) - 1})")
        chosen = sheets[sheet]
    else:
        found = [s for s in sheets if s[0] == sheet]
        if not found:
            raise ConfigurationError(f"no worksheet named {sheet!r}; sheets: {', '.join(n for n, _ in sheets)}")
        chosen = found[0]
    with _open(zf, "xl/_rels/workbook.xml.rels") as fh:
        rels = etree.parse(fh, _parser()).getroot()
    target = next((r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == chosen[1]), None)
    if not target:
        raise XlsxUnsupported(f"worksheet {chosen[0]!r} has no part")
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


#: Excel's sheet limits: 16,384 columns (``XFD``) and 1,048,576 rows.
MAX_COLUMNS = 16_384
MAX_ROWS = 1_048_576


def _beyond_limits(ref: str) -> ConfigurationError:
    return ConfigurationError(
        f"cell reference {ref[:20]!r} is beyond Excel's limits (columns A..XFD, rows 1..{MAX_ROWS}); "
        "the worksheet is damaged or hostile"
    )


def _column(ref: str, cache: dict[str, int]) -> int:
    letters = ref.rstrip("0123456789")
    index = cache.get(letters)
    if index is None:
        if not letters.isalpha() or not letters.isupper() or not letters.isascii():
            raise XlsxUnsupported(f"cell reference {ref!r}")
        if len(letters) > 3:  # XFD is the last column: never allocate for more
            raise _beyond_limits(ref)
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        if n > MAX_COLUMNS:
            raise _beyond_limits(ref)
        index = cache[letters] = n - 1
    digits = ref[len(letters) :]
    if len(digits) > 7 or (digits and int(digits) > MAX_ROWS):
        raise _beyond_limits(ref)
    return index


def _rows(zf: zipfile.ZipFile, path: str, shared: list[str]) -> Iterator[list[str]]:
    tag_c, tag_v, tag_is, tag_t = f"{_MAIN}c", f"{_MAIN}v", f"{_MAIN}is", f"{_MAIN}t"
    cache: dict[str, int] = {}
    with _open(zf, path) as fh:
        for _event, row in etree.iterparse(
            fh,
            events=("end",),
            tag=f"{_MAIN}row",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
        ):
            cells: list[str] = []
            for c in row:
                if c.tag != tag_c:
                    continue
                ref = c.get("r")
                index = _column(ref, cache) if ref else len(cells)
                kind = c.get("t")
                if kind == "inlineStr":
                    is_ = c.find(tag_is)
                    if is_ is None:
                        value = ""
                    elif len(is_) == 1 and is_[0].tag == tag_t:
                        value = is_[0].text or ""
                    else:
                        value = _text_of(is_)
                else:
                    raw = c.findtext(tag_v) or ""
                    if kind == "s":
                        try:
                            value = shared[int(raw)]
                        except (ValueError, IndexError):
                            raise XlsxUnsupported(f"bad shared string index in {ref}") from None
                    elif kind == "b":
                        value = "TRUE" if raw == "1" else "FALSE"
                    elif kind == "e":
                        value = ""
                    else:
                        value = raw
                if index >= len(cells):
                    cells.extend([""] * (index - len(cells) + 1))
                cells[index] = value
            yield cells
            row.clear()


def _letters(index: int) -> str:
    """Column letters of a 0-based column index (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unique_headers(headers: list[str]) -> list[str]:
    """Headers made unique (a repeated or empty header becomes its column letters), so no cell is lost."""
    seen: set[str] = set()
    out = []
    for index, header in enumerate(headers):
        name = header
        if not name.strip() or name in seen:
            name = _letters(index)
        seen.add(name)
        out.append(name)
    return out


def read_xlsx(source: str | IO[bytes] | object, sheet: str | int | None = None) -> list[dict[str, str]]:
    """Read one worksheet as a list of ``{header: text}`` dicts (the first row holds the headers).

    Raises:
        XlsxUnsupported: the workbook uses a feature this reader lacks (fall back to openpyxl).
        ConfigurationError: not a workbook, unknown sheet, or an oversized member.
    """
    try:
        zf = zipfile.ZipFile(source)  # type: ignore[arg-type]
    except _ZIP_ERRORS as exc:
        raise ConfigurationError(f"not an .xlsx workbook: {exc}") from None
    with zf:
        try:
            shared = _shared_strings(zf)
            path = _sheet_path(zf, sheet)
            rows = _rows(zf, path, shared)
            headers = next(rows, None)
            if headers is None:
                return []
            headers = _unique_headers(headers)
            width = len(headers)
            out = []
            for cells in rows:
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                record = dict(zip(headers, cells, strict=False))
                for index in range(width, len(cells)):  # cells right of the last header: keep, never drop
                    if cells[index]:
                        record[_letters(index)] = cells[index]
                out.append(record)
            return out
        except ConfigurationError:
            raise  # our own, XlsxUnsupported included (the caller falls back on it)
        except etree.XMLSyntaxError as exc:
            raise ConfigurationError(f"malformed workbook XML: {exc}") from None
        except _ZIP_ERRORS as exc:  # a damaged archive member (bad CRC, truncated data, …)
            raise ConfigurationError(f"damaged .xlsx workbook: {type(exc).__name__}: {exc}") from None


__all__ = ["XlsxUnsupported", "read_xlsx"]
