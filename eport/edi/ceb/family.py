"""The CEB family (跨境电商) as the engine sees it: its roots in both editions, its rules, its edition converter."""

from __future__ import annotations

from eport.edi.core.family import Family, RootKey

#: The CEB namespace.
NS = "http://www.chinaport.gov.cn/ceb"

#: Import messages (进口), the same in both editions.
IMPORT_CODES = (
    "311", "312", "411", "412", "511", "512", "513", "514", "621", "622", "623", "624", "625", "626", "711", "712",
    "816", "818", "900",
)  # fmt: skip
#: Export messages (出口) of the 2018 edition.
EXPORT_CODES_2018 = (
    "303", "304", "403", "404", "505", "506", "507", "508", "509", "510", "603", "604", "605", "606", "607", "608",
    "701", "702", "792",
)  # fmt: skip
#: Export messages of the 202205 edition: the 2018 ones and CEB213–CEB216 (退货申请单, 理货明细单).
EXPORT_CODES = (*EXPORT_CODES_2018, "213", "214", "215", "216")


def _roots(module: str, codes: tuple[str, ...]) -> dict[RootKey, str]:
    return {(NS, f"CEB{c}Message"): f"{module}:CEB{c}Message" for c in codes}


FAMILY = Family(
    name="ceb",
    spec_families=frozenset({"ceb-import", "ceb-export", "ceb"}),
    roots={**_roots("eport.edi.ceb.imports", IMPORT_CODES), **_roots("eport.edi.ceb.exports", EXPORT_CODES)},
    editions={
        "202205": {},
        "2018": {
            **_roots("eport.edi.ceb.imports2018", IMPORT_CODES),
            **_roots("eport.edi.ceb.exports2018", EXPORT_CODES_2018),
        },
    },
    rules=dict.fromkeys(("ceb-import", "ceb-export", "ceb"), "eport.edi.ceb.rules"),
    to_edition="eport.edi.ceb.editions:to_edition",
    drop_covered="eport.edi.ceb.rules:drop_covered",
    clean_tree="eport.edi.ceb.treecheck:clean",
)

__all__ = ["EXPORT_CODES", "EXPORT_CODES_2018", "FAMILY", "IMPORT_CODES", "NS"]
