"""Generate the DecMessage (报关单) model specs: ``eport/edi/dec/models.py``.

Inputs (the reference set ``../shared/reference`` next to the clone, see its ``README.md``):

* ``dec/decmessage-structure.txt``: element names and sequence order of every block, dumped from code generated
  from the official schema (reliable order, no facets);
* ``dec/decmessage-fields.csv``: per element the Chinese name, type, length and the two required levels
  (暂存必填 required to save, 申报必填 required to declare), a second-hand copy of the CIT spec.

Usage::

    .venv/bin/python tools/gen_dec.py [--reference ../shared/reference] [--out eport/edi/dec/models.py]
    .venv/bin/ruff check --fix -q eport/edi/dec/models.py; .venv/bin/ruff format eport/edi/dec/models.py

The output is committed; never edit it by hand. Elements that are only in the CSV (their position is unknown) are
not generated and are listed in the output header.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NS = "http://www.chinaport.gov.cn/dec"

# structure-file class name -> (python class name, element tag used in XML)
CLASSES: dict[str, tuple[str, str]] = {
    "DecMessage": ("DecMessage", "DecMessage"),
    "DecHeadType": ("DecHead", "DecHead"),
    "DecListItemType": ("DecList", "DecList"),
    "DecGoodsLimitType": ("DecGoodsLimit", "DecGoodsLimit"),
    "DecGoodsLimitVinType": ("DecGoodsLimitVin", "DecGoodsLimitVin"),
    "DecContainerType": ("DecContainer", "Container"),
    "DecLicenseType": ("LicenseDocu", "LicenseDocu"),
    "DecRequestCertType": ("DecRequestCert", "DecRequestCert"),
    "DecOtherPackType": ("DecOtherPack", "DecOtherPack"),
    "DecCopLimitType": ("DecCopLimit", "DecCopLimit"),
    "DecUserType": ("DecUser", "DecUser"),
    "DecMarkLobType": ("DecMarkLob", "DecMarkLob"),
    "DecFreeTxtType": ("DecFreeTxt", "DecFreeTxt"),
    "DecSignType": ("DecSign", "DecSign"),
    "TrnHeadType": ("TrnHead", "TrnHead"),
    "TrnListType": ("TrnList", "TrnList"),
    "TrnContainerType": ("TrnContainer", "TrnContainer"),
    "TrnContaGoodsType": ("TrnContaGoods", "TrnContaGoods"),
    "DecSupplementListType": ("DecSupplementList", "DecSupplementList"),
    "Edoc_RealationType": ("EdocRealation", "EdocRealation"),
    "ECO_RealationType": ("EcoRelation", "EcoRelation"),
    "DecMessageSddTax": ("SddTax", "SddTax"),
    "DecMessageSddTaxSddTaxHead": ("SddTaxHead", "SddTaxHead"),
    "DecMessageSddTaxSddTaxList": ("SddTaxList", "SddTaxList"),
    "DecMessageSddTaxSddTaxDetail": ("SddTaxDetail", "SddTaxDetail"),
    "DecRiskType": ("DecRisk", "DecRisk"),
    "DecCopPromiseType": ("DecCopPromise", "DecCopPromise"),
}

# CSV xml_block -> python class names whose fields it describes
CSV_BLOCKS: dict[str, tuple[str, ...]] = {
    "DecHead": ("DecHead",),
    "DecList": ("DecList",),
    "DecGoodsLimit": ("DecGoodsLimit",),
    "VIN信息 DecGoodsLimitVin": ("DecGoodsLimitVin",),
    "DecContainer": ("DecContainer",),
    "DecLicenseDocus": ("LicenseDocu",),
    "DecRequestCert": ("DecRequestCert",),
    "DecOtherPack": ("DecOtherPack",),
    "DecCopLimit": ("DecCopLimit",),
    "DecUser": ("DecUser",),
    "DecMarkLob": ("DecMarkLob",),
    "DecFreeTxt": ("DecFreeTxt",),
    "DecSign": ("DecSign",),
    "TrnHead": ("TrnHead",),
    "TrnList": ("TrnList",),
    "TrnContainer": ("TrnContainer",),
    "TrnContaGoodsList": ("TrnContaGoods",),
    "DecSupplement": ("DecSupplementList",),
    "EdocRealation": ("EdocRealation",),
    "EcoRelation": ("EcoRelation",),
    "SddTax": ("SddTaxHead", "SddTaxList", "SddTaxDetail"),
    "DecRisk": ("DecRisk",),
    "DecCopPromise": ("DecCopPromise",),
}

# Blocks that must be present in a DecMessage (the others are optional).
REQUIRED_BLOCKS = {"DecHead", "DecSign"}

_HEAD = re.compile(r"^#### class (\S+)")
_FIELD = re.compile(r"^\d+\. (\S+) : (\S+?)(\[\])?\s*(\[(\w+)Attribute\((.*)\)\])?\s*$")


def snake(tag: str) -> str:
    """CamelCase element name -> snake_case attribute name (``IEFlag`` -> ``ie_flag``)."""
    s = tag.replace("_", "")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    name = s.lower()
    return {"type": "type_", "id": "id_"}.get(name, name)


def parse_structure(text: str) -> dict[str, list[tuple[str, str, bool, str | None]]]:
    """class -> [(tag, type, is_array, item tag of an XmlArray)]"""
    classes: dict[str, list[tuple[str, str, bool, str | None]]] = {}
    current: list[tuple[str, str, bool, str | None]] | None = None
    for line in text.splitlines():
        m = _HEAD.match(line.strip())
        if m:
            current = classes.setdefault(m.group(1), [])
            continue
        m = _FIELD.match(line.strip())
        if m and current is not None:
            tag, typ, arr, _, kind, args = m.groups()
            if tag.endswith("Specified"):
                continue
            item = None
            if kind == "XmlArrayItem" and args:
                item = re.match(r'"(\w+)"', args).group(1)  # type: ignore[union-attr]
            current.append((tag, typ, bool(arr), item))
    return classes


def parse_csv(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    meta: dict[tuple[str, str], dict[str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            block = row["xml_block"]
            for cls in CSV_BLOCKS.get(block, ()):
                meta.setdefault((cls, row["field_code"]), {k: (v or "") for k, v in row.items() if k})
    return meta


def facets_expr(meta: dict[str, str] | None) -> tuple[str, str]:
    """Return (kind, Facets(...) expression)."""
    if not meta:
        return "STRING", "NO_FACETS"
    typ, length = meta["data_type"], meta["length"].replace(" ", "")
    if typ == "Decimal" and "," in length:
        total, frac = length.split(",")
        return "DECIMAL", f"Facets(total_digits={int(total)}, fraction_digits={int(frac)})"
    if length.isdigit() and typ in {"String", "Integer", "Date", "DateTime"}:
        return "STRING", f"Facets(max_length={int(length)})"
    return "STRING", "NO_FACETS"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--reference", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "reference"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "eport/edi/dec/models.py")
    args = ap.parse_args()
    structure_path = args.reference / "dec/decmessage-structure.txt"
    csv_path = args.reference / "dec/decmessage-fields.csv"
    structure_text = structure_path.read_text(encoding="utf-8")
    structure = parse_structure(structure_text)
    meta = parse_csv(csv_path)
    digest = hashlib.sha256(structure_text.encode() + csv_path.read_bytes()).hexdigest()[:16]

    used: set[tuple[str, str]] = set()
    wrappers: dict[str, tuple[str, str, str]] = {}  # wrapper class -> (wrapper tag, item class, item tag)
    out: list[str] = []
    emitted: list[str] = []

    def model_name(typ: str) -> str:
        return CLASSES[typ][0]

    def emit_class(struct_name: str) -> None:
        cls, tag = CLASSES[struct_name]
        if cls in emitted:
            return
        fields = structure[struct_name]
        # children first (so names exist when referenced)
        for ftag, ftyp, arr, item in fields:
            if ftyp in CLASSES:
                emit_class(ftyp)
                if arr and item is not None:
                    wcls = ftag
                    if wcls not in emitted:
                        wrappers[wcls] = (ftag, model_name(ftyp), item)
                        out.append(wrapper_code(wcls, ftag, model_name(ftyp), item))
                        emitted.append(wcls)
        lines = []
        spec_fields = []
        for ftag, ftyp, arr, item in fields:
            if ftag == "Version" and cls == "DecMessage":
                continue
            name = snake(ftag)
            if ftyp in CLASSES and arr and item is not None:
                # wrapper element: its own model
                pytype, kind, model = ftag, "MODEL", ftag
                occurs = "min_occurs=0"
                lines.append(f"    {name}: {pytype} | None = None")
                spec_fields.append(
                    f'FieldSpec(name="{name}", tag="{ftag}", kind=ValueKind.{kind}, {occurs}, model={model})'
                )
            elif ftyp in CLASSES:
                m = model_name(ftyp)
                if arr:
                    lines.append(f"    {name}: tuple[{m}, ...] = ()")
                    spec_fields.append(
                        f'FieldSpec(name="{name}", tag="{ftag}", kind=ValueKind.MODEL, min_occurs=0, '
                        f"max_occurs=None, model={m})"
                    )
                else:
                    required = cls == "DecMessage" and ftag in REQUIRED_BLOCKS
                    if required:
                        lines.append(f"    {name}: {m}")
                    else:
                        lines.append(f"    {name}: {m} | None = None")
                    spec_fields.append(
                        f'FieldSpec(name="{name}", tag="{ftag}", kind=ValueKind.MODEL, '
                        f"min_occurs={1 if required else 0}, model={m})"
                    )
            else:
                info = meta.get((cls, ftag))
                if info:
                    used.add((cls, ftag))
                kind, facets = facets_expr(info)
                pytype = "Decimal" if kind == "DECIMAL" else "str"
                doc = (info or {}).get("cn_name", "").replace('"', "'")
                lines.append(f"    {name}: {pytype} | None = None")
                spec_fields.append(
                    f'FieldSpec(name="{name}", tag="{ftag}", kind=ValueKind.{kind}, min_occurs=0, '
                    f'facets={facets}, doc="{doc}")'
                )
        # required fields (no default) must come first for attrs when kw_only is used they may be mixed
        attrs_spec = ""
        if cls == "DecMessage":
            lines.append("    version: str | None = None")
            attrs_spec = (
                ', attributes=(AttributeSpec(name="version", tag="Version", required=False, '
                'doc="接口版本号 interface version; omitted by default (schema default 4)"),)'
            )
        base = {"DecMessage": "(_DecMessageMixin, ModelBase)", "DecHead": "(_DecHeadMixin, ModelBase)"}.get(
            cls, "(ModelBase)"
        )
        body = "\n".join(lines)
        specs = ",\n        ".join(spec_fields)
        out.append(
            f"@attrs.frozen(kw_only=True)\nclass {cls}{base}:\n"
            f'    """{tag} ({NS}). Generated; see ``docs/declarations.md``."""\n\n'
            f"    __eport_spec__: ClassVar[ModelSpec]\n\n{body}\n\n\n"
            f'{cls}.__eport_spec__ = ModelSpec(\n    tag="{tag}",\n    namespace=NS,\n    fields=(\n        {specs},\n'
            f'    ){attrs_spec},\n    family="dec",\n)\n'
        )
        emitted.append(cls)

    emit_class("DecMessage")

    used_tags = {(b, t) for (c, t) in used for b, classes in CSV_BLOCKS.items() if c in classes}
    unplaced = sorted(
        {f"{b}/{t}" for (c, t) in meta for b, cl in CSV_BLOCKS.items() if c in cl and (b, t) not in used_tags and t}
    )
    missing_blocks = sorted({r for r in ("DecRoyaltyFee", "DecTpAccess", "DecControlModel")})
    levels_save = sorted(
        (c, t) for (c, t), m in meta.items() if (c, t) in used and m["required_temp_save"].startswith("是")
    )
    levels_decl = sorted(
        (c, t) for (c, t), m in meta.items() if (c, t) in used and m["required_declare"].startswith("是")
    )
    names = {(c, t): snake(t) for (c, t) in used}

    note = textwrap.fill(
        "Not generated because their position in the sequence is unknown (only in the CSV): "
        + (", ".join(unplaced) or "none")
        + ". Blocks of the CSV without a place in the structure file: "
        + ", ".join(missing_blocks)
        + ".",
        116,
    )
    header = f'''"""DecMessage (报关单) models. GENERATED by ``tools/gen_dec.py`` -- do not edit by hand.

Inputs: ``dec/decmessage-structure.txt`` (element order) and ``dec/decmessage-fields.csv`` (Chinese names, types,
lengths, required levels) of the eport reference set; input digest ``{digest}``.

Every leaf element is optional at the XML level (``None`` = absent); which fields are required depends on the
operation (暂存 save vs 申报 declare) and is checked by :mod:`eport.edi.dec.rules` with :data:`REQUIRED_TO_SAVE`
and :data:`REQUIRED_TO_DECLARE`. Wrapper elements (``DecLists``, ``DecContainers`` ...) are models of their own
holding a tuple of items.

{note}
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs

from eport.edi.dec._mixins import _DecHeadMixin, _DecMessageMixin
from eport.edi.core.spec import NO_FACETS, AttributeSpec, Facets, FieldSpec, ModelBase, ModelSpec, ValueKind

NS = "{NS}"
'''
    tail = "\n\n#: (model class name, python field name) of fields required to save (暂存, OperType G).\n"
    tail += "REQUIRED_TO_SAVE: frozenset[tuple[str, str]] = frozenset(\n    {\n"
    tail += "".join(f'        ("{c}", "{names[(c, t)]}"),\n' for c, t in levels_save)
    tail += "    }\n)\n"
    tail += "#: (model class name, python field name) of fields required to declare (申报, OperType C/D).\n"
    tail += "REQUIRED_TO_DECLARE: frozenset[tuple[str, str]] = frozenset(\n    {\n"
    tail += "".join(f'        ("{c}", "{names[(c, t)]}"),\n' for c, t in levels_decl)
    tail += "    }\n)\n\n"
    all_names = ["NS", "REQUIRED_TO_DECLARE", "REQUIRED_TO_SAVE", *sorted(emitted)]
    tail += "__all__ = [\n" + "".join(f'    "{n}",\n' for n in all_names) + "]\n"
    args.out.write_text(header + "\n\n" + "\n\n".join(out) + tail, encoding="utf-8")
    print(f"wrote {args.out}: {len(emitted)} classes, {len(used)} described fields, unplaced: {unplaced}")


def wrapper_code(cls: str, tag: str, item_cls: str, item_tag: str) -> str:
    name = snake(item_tag)
    return (
        f"@attrs.frozen(kw_only=True)\nclass {cls}(ModelBase):\n"
        f'    """Wrapper element ``{tag}`` holding repeated ``{item_tag}``. Generated."""\n\n'
        f"    __eport_spec__: ClassVar[ModelSpec]\n\n    {name}: tuple[{item_cls}, ...] = ()\n\n\n"
        f'{cls}.__eport_spec__ = ModelSpec(\n    tag="{tag}",\n    namespace=NS,\n    fields=(\n'
        f'        FieldSpec(name="{name}", tag="{item_tag}", kind=ValueKind.MODEL, min_occurs=0, max_occurs=None, '
        f'model={item_cls}),\n    ),\n    family="dec",\n)\n'
    )


if __name__ == "__main__":
    main()
