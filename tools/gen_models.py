"""Generate the CEB model modules in ``eport/edi/ceb/_generated/`` from the packaged official XSDs.

Usage::

    python tools/gen_models.py            # rewrite eport/edi/ceb/_generated/
    python tools/gen_models.py --check    # exit 1 when the committed modules are out of date
    python tools/gen_models.py --out DIR  # write somewhere else (the up-to-date test uses a temp dir)

Every complex element of the schema becomes a frozen attrs class (``@attrs.frozen(kw_only=True)``) carrying an
``__eport_spec__`` (:class:`eport.edi.core.spec.ModelSpec`): element order, occurrence, facets (length, minLength,
maxLength, totalDigits, fractionDigits, enumerations, patterns, whiteSpace), ``default``/``fixed`` values and the
Chinese annotation of each field. Class names are the schema's element names; a local (anonymous) element whose
name is used more than once in a schema is prefixed with its message code (``CEB816Tax``). Each generated file is
stamped with the generator version and the SHA-256 of the schema it came from.

Known real-world extensions (:data:`eport.edi.ceb.extensions.EXTENSIONS`, e.g. ``orderNo`` and ``logisticsNo``
of ``TaxHeadRd``) are appended as optional string fields after the schema's own fields.

The XSDs are read with a parser that resolves nothing (no DTD, no entities, no network).
"""

from __future__ import annotations

import argparse
import hashlib
import keyword
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lxml import etree

from eport.edi.ceb.extensions import EXTENSIONS

GENERATOR_VERSION = "1.0"
ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "eport" / "edi" / "schemas"
OUT = ROOT / "eport" / "edi" / "ceb" / "_generated"

XS = "{http://www.w3.org/2001/XMLSchema}"
CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

#: (output module, schema file, family)
TARGETS: tuple[tuple[str, str, str], ...] = (
    ("ceb202205_import", "ceb202205/ceb-import.xsd", "ceb-import"),
    ("ceb202205_export", "ceb202205/ceb-export.xsd", "ceb-export"),
    ("ceb2018_import", "ceb2018/ceb-import.xsd", "ceb-import"),
    ("ceb2018_export", "ceb2018/ceb-export.xsd", "ceb-export"),
)

SIMPLE_KINDS = {
    "string": "STRING",
    "normalizedString": "STRING",
    "token": "STRING",
    "dateTime": "STRING",
    "date": "STRING",
    "decimal": "DECIMAL",
    "int": "INTEGER",
    "integer": "INTEGER",
    "long": "INTEGER",
    "short": "INTEGER",
    "nonNegativeInteger": "INTEGER",
    "positiveInteger": "INTEGER",
}
PY_TYPES = {"STRING": "str", "DECIMAL": "Decimal", "INTEGER": "int", "XML": "bytes"}


class SchemaError(Exception):
    """The schema uses a construct the generator does not support."""


def snake(name: str) -> str:
    """Return the snake_case Python name of an XML name (``orderNo`` → ``order_no``)."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    if keyword.iskeyword(s) or s in {"type", "id"}:
        s += "_"
    return s


def doc_of(el: etree._Element) -> str:
    """Return the collapsed xs:documentation text of a schema component."""
    texts = [d.text or "" for d in el.findall(f"{XS}annotation/{XS}documentation")]
    return " ".join(" ".join(texts).split())


@dataclass
class FieldDef:
    name: str
    tag: str
    kind: str
    min_occurs: int
    max_occurs: int | None
    facets: dict[str, object] = field(default_factory=dict)
    model: str | None = None
    namespace: str | None = None
    doc: str = ""
    default: str | None = None
    fixed: str | None = None


@dataclass
class AttrDef:
    name: str
    tag: str
    required: bool
    default: str | None
    facets: dict[str, object]
    doc: str


@dataclass
class ClassDef:
    name: str
    tag: str
    doc: str
    fields: list[FieldDef]
    attributes: list[AttrDef]


def occurs(el: etree._Element) -> tuple[int, int | None]:
    lo = int(el.get("minOccurs", "1"))
    hi_s = el.get("maxOccurs", "1")
    return lo, (None if hi_s == "unbounded" else int(hi_s))


def simple_type(el: etree._Element) -> tuple[str, dict[str, object]]:
    """Return (kind, facets) of an element or attribute with a simple type."""
    type_name = el.get("type")
    if type_name is not None:
        local = type_name.split(":")[-1]
        if local not in SIMPLE_KINDS:
            raise SchemaError(f"unsupported simple type {type_name}")
        return SIMPLE_KINDS[local], {}
    st = el.find(f"{XS}simpleType")
    if st is None:
        return "STRING", {}  # no type: xs:anyType used as text
    restriction = st.find(f"{XS}restriction")
    if restriction is None:
        raise SchemaError(f"unsupported simpleType in {el.get('name')}")
    base = restriction.get("base", "xs:string").split(":")[-1]
    if base not in SIMPLE_KINDS:
        raise SchemaError(f"unsupported base {base}")
    facets: dict[str, object] = {}
    enums: list[str] = []
    for f in restriction:
        if not isinstance(f.tag, str):
            continue
        local = etree.QName(f).localname
        value = f.get("value", "")
        if local in ("length", "minLength", "maxLength", "totalDigits", "fractionDigits"):
            facets[snake(local)] = int(value)
        elif local == "enumeration":
            enums.append(value)
        elif local == "pattern":
            facets["pattern"] = value
        elif local in ("minInclusive", "maxInclusive"):
            facets[snake(local)] = Decimal(value)
        elif local == "whiteSpace":
            facets["white_space"] = value
        elif local == "annotation":
            continue
        else:
            raise SchemaError(f"unsupported facet {local}")
    if enums:
        facets["enumeration"] = tuple(enums)
    return SIMPLE_KINDS[base], facets


class Generator:
    """Turns one CEB schema into class definitions."""

    def __init__(self, xsd: Path, family: str) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
        self.root = etree.parse(str(xsd), parser).getroot()
        self.family = family
        self.top = {e.get("name"): e for e in self.root.findall(f"{XS}element")}
        self.types = {t.get("name"): t for t in self.root.findall(f"{XS}complexType")}
        self.classes: dict[str, ClassDef] = {}
        self.order: list[str] = []
        local_names: dict[str, int] = {}
        for el in self.root.iter(f"{XS}element"):
            if el.getparent().tag != f"{XS}schema" and el.find(f"{XS}complexType") is not None:
                local_names[el.get("name", "")] = local_names.get(el.get("name", ""), 0) + 1
        self.ambiguous = {n for n, c in local_names.items() if c > 1 or n in self.top or n in self.types}
        self.roots: list[str] = []

    def run(self) -> None:
        for name, el in self.top.items():
            if el.find(f"{XS}complexType") is not None:
                self.klass(name, name, el.find(f"{XS}complexType"), el, name)
                if name.startswith("CEB") and name.endswith("Message"):
                    self.roots.append(name)
        for name, t in self.types.items():
            self.klass(name, name, t, t, name)

    def klass(self, cls_name: str, tag: str, ctype: etree._Element, owner: etree._Element, message: str) -> str:
        if cls_name in self.classes:
            return cls_name
        self.classes[cls_name] = ClassDef(cls_name, tag, doc_of(owner), [], [])  # placeholder against cycles
        fields: list[FieldDef] = []
        for child in ctype:
            if not isinstance(child.tag, str) or child.tag == f"{XS}annotation":
                continue
            if child.tag == f"{XS}sequence":
                for item in child:
                    if not isinstance(item.tag, str) or item.tag == f"{XS}annotation":
                        continue
                    fields.append(self.field(item, message))
            elif child.tag != f"{XS}attribute":
                raise SchemaError(f"unsupported content {child.tag} in {cls_name}")
        attributes = []
        for a in ctype.findall(f"{XS}attribute"):
            _, facets = simple_type(a)
            attributes.append(
                AttrDef(
                    name=snake(a.get("name", "")),
                    tag=a.get("name", ""),
                    required=a.get("use") == "required",
                    default=a.get("default"),
                    facets=facets,
                    doc=doc_of(a),
                )
            )
        for ext_tag, max_length, ext_doc in EXTENSIONS.get(tag, ()):  # known real-world extensions, after the XSD's
            fields.append(FieldDef(snake(ext_tag), ext_tag, "STRING", 0, 1, {"max_length": max_length}, doc=ext_doc))
        names = [f.name for f in fields] + [a.name for a in attributes]
        if len(set(names)) != len(names):
            raise SchemaError(f"duplicate Python names in {cls_name}: {names}")
        self.classes[cls_name] = ClassDef(cls_name, tag, doc_of(owner), fields, attributes)
        self.order.append(cls_name)
        return cls_name

    def field(self, item: etree._Element, message: str) -> FieldDef:
        lo, hi = occurs(item)
        if item.tag == f"{XS}any":
            return FieldDef("content", "*", "XML", lo, hi, doc="任意 XML 元素 any element")
        if item.tag != f"{XS}element":
            raise SchemaError(f"unsupported particle {item.tag}")
        ref = item.get("ref")
        if ref is not None:
            prefix, _, local = ref.rpartition(":")
            if prefix == "ds":
                return FieldDef(snake(local), local, "XML", lo, hi, namespace=DS_NS, doc=doc_of(item) or "数字签名")
            target = self.top[local]
            ctype = target.find(f"{XS}complexType")
            doc = doc_of(item) or doc_of(target)
            if ctype is None:
                kind, facets = simple_type(target)
                return FieldDef(snake(local), local, kind, lo, hi, facets, doc=doc)
            model = self.klass(local, local, ctype, target, local)
            return FieldDef(snake(local), local, "MODEL", lo, hi, model=model, doc=doc)
        name = item.get("name", "")
        doc = doc_of(item)
        type_name = item.get("type")
        if type_name is not None and type_name.split(":")[-1] in self.types:
            local = type_name.split(":")[-1]
            model = self.klass(local, local, self.types[local], self.types[local], local)
            return FieldDef(snake(name), name, "MODEL", lo, hi, model=model, doc=doc)
        ctype = item.find(f"{XS}complexType")
        if ctype is not None:
            code = message[: -len("Message")] if message.endswith("Message") else message
            cls_name = f"{code}{name}" if name in self.ambiguous else name
            model = self.klass(cls_name, name, ctype, item, message)
            return FieldDef(snake(name), name, "MODEL", lo, hi, model=model, doc=doc)
        kind, facets = simple_type(item)
        return FieldDef(
            snake(name), name, kind, lo, hi, facets, doc=doc, default=item.get("default"), fixed=item.get("fixed")
        )


def py_type(f: FieldDef) -> str:
    base = f.model if f.kind == "MODEL" else PY_TYPES[f.kind]
    assert base is not None
    if f.max_occurs is None or f.max_occurs > 1:
        return f"tuple[{base}, ...]"
    if f.min_occurs == 0:
        return f"{base} | None"
    return base


def facets_src(facets: dict[str, object]) -> str:
    if not facets:
        return "NO_FACETS"
    parts = []
    for k, v in facets.items():
        if isinstance(v, Decimal):
            parts.append(f'{k}=Decimal("{v}")')
        else:
            parts.append(f"{k}={v!r}")
    return f"Facets({', '.join(parts)})"


def render(gen: Generator, module: str, xsd_rel: str, digest: str) -> str:
    out: list[str] = []
    w = out.append
    edition = xsd_rel.split("/")[0].removeprefix("ceb")
    w(f"# Generated by tools/gen_models.py {GENERATOR_VERSION} from eport/edi/schemas/{xsd_rel}")
    w(f"# schema sha256: {digest}")
    w("# Do not edit: change the generator and run `python tools/gen_models.py`.")
    w(f'"""CEB models ({gen.family}, edition {edition}), generated from ``{xsd_rel}``."""')
    w("")
    w("from __future__ import annotations")
    w("")
    w("from decimal import Decimal")
    w("from typing import ClassVar")
    w("")
    w("import attrs")
    w("")
    w("from eport.edi.core.spec import NO_FACETS, AttributeSpec, Facets, FieldSpec, ModelBase, ModelSpec, ValueKind")
    w("")
    w(f'EDITION = "{edition}"')
    w(f'SCHEMA_SHA256 = "{digest}"')
    for name in gen.order:
        c = gen.classes[name]
        w("")
        w("")
        w("@attrs.frozen(kw_only=True)")
        w(f"class {c.name}(ModelBase):")
        doc_lines = [f"{c.tag}: {c.doc}" if c.doc else c.tag]
        members = [(a.name, a.doc, "attribute") for a in c.attributes] + [(f.name, f.doc, f.tag) for f in c.fields]
        if members:
            doc_lines.append("")
            doc_lines.append("Attributes:")
            for mname, mdoc, tag in members:
                doc_lines.append(f"    {mname}: ``{tag}`` {mdoc}".rstrip())
        w('    """' + doc_lines[0])
        for line in doc_lines[1:]:
            w(f"    {line}".rstrip())
        w('    """')
        w("")
        w("    __eport_spec__: ClassVar[ModelSpec]")
        for a in c.attributes:
            t = "str" if a.required else "str | None"
            dflt = "" if a.required else ", default=None"
            w(f"    {a.name}: {t} = attrs.field(metadata={{'doc': {a.doc!r}, 'attribute': True}}{dflt})")
        for f in c.fields:
            t = py_type(f)
            if f.max_occurs is None or f.max_occurs > 1:
                dflt = "" if f.min_occurs > 0 else ", default=()"
            else:
                dflt = "" if f.min_occurs > 0 else ", default=None"
            w(f"    {f.name}: {t} = attrs.field(metadata={{'doc': {f.doc!r}}}{dflt})")
    w("")
    w("")
    for name in gen.order:
        c = gen.classes[name]
        w(f"{c.name}.__eport_spec__ = ModelSpec(")
        w(f"    tag={c.tag!r},")
        w(f"    namespace={CEB_NS!r},")
        w("    prefix='ceb',")
        w(f"    doc={c.doc!r},")
        w(f"    family={gen.family!r},")
        w("    fields=(")
        for f in c.fields:
            args = [f"name={f.name!r}", f"tag={f.tag!r}", f"kind=ValueKind.{f.kind}"]
            if f.min_occurs != 1:
                args.append(f"min_occurs={f.min_occurs}")
            if f.max_occurs != 1:
                args.append(f"max_occurs={f.max_occurs}")
            if f.facets:
                args.append(f"facets={facets_src(f.facets)}")
            if f.model:
                args.append(f"model={f.model}")
            if f.namespace:
                args.append(f"namespace={f.namespace!r}")
            if f.doc:
                args.append(f"doc={f.doc!r}")
            if f.default is not None:
                args.append(f"default={f.default!r}")
            if f.fixed is not None:
                args.append(f"fixed={f.fixed!r}")
            w(f"        FieldSpec({', '.join(args)}),")
        w("    ),")
        if c.attributes:
            w("    attributes=(")
            for a in c.attributes:
                args = [f"name={a.name!r}", f"tag={a.tag!r}"]
                if a.required:
                    args.append("required=True")
                if a.default is not None:
                    args.append(f"default={a.default!r}")
                if a.facets:
                    args.append(f"facets={facets_src(a.facets)}")
                if a.doc:
                    args.append(f"doc={a.doc!r}")
                w(f"        AttributeSpec({', '.join(args)}),")
            w("    ),")
        w(")")
    w("")
    w("#: Message roots defined by this schema, in schema order.")
    w("ROOTS: tuple[type[ModelBase], ...] = (")
    for r in gen.roots:
        w(f"    {r},")
    w(")")
    w("")
    w("__all__ = [")
    for name in sorted([*gen.order, "EDITION", "ROOTS", "SCHEMA_SHA256"]):
        w(f"    {name!r},")
    w("]")
    w("")
    return "\n".join(out)


def generate() -> dict[str, str]:
    """Return {file name: source} of every generated module."""
    files: dict[str, str] = {
        "__init__.py": (
            f"# Generated by tools/gen_models.py {GENERATOR_VERSION}. Do not edit.\n"
            '"""Generated CEB models. Private: use :mod:`eport.edi.ceb`."""\n'
        )
    }
    for module, rel, family in TARGETS:
        path = SCHEMAS / rel
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        gen = Generator(path, family)
        gen.run()
        files[f"{module}.py"] = render(gen, module, rel, digest)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="compare with the files in --out instead of writing")
    args = ap.parse_args(argv)
    files = generate()
    if args.check:
        stale = [n for n, src in files.items() if not (args.out / n).exists() or (args.out / n).read_text() != src]
        for n in stale:
            sys.stderr.write(f"out of date: {args.out / n}\n")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for n, src in files.items():
        (args.out / n).write_text(src, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
