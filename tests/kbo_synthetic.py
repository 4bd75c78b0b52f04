"""A SYNTHETIC KBO/BCE open-data full extract, in the real format, for the sampling-frame tests.

The real files in ``shared/data/kbo/`` (one daily update, 11 legal persons) fix the format:
comma-separated, every value in double quotes except dates (``DD-MM-YYYY``) and empty values,
UTF-8 without BOM, ``\\n`` line ends, enterprise numbers ``0123.456.789``; a full extract has
``enterprise.csv``, ``establishment.csv``, ``denomination.csv``, ``address.csv``, ``contact.csv``,
``activity.csv``, ``branch.csv``, ``code.csv`` and ``meta.csv``. This generator writes those
files with a few thousand invented enterprises (names ``Association synthétique NNNN``) and every
case the loader must tell apart: natural persons, stopped enterprises, other legal forms
(private foundation 026, SRL 610), seats outside Brussels or struck off, a Brussels
establishment of an enterprise seated elsewhere, no activity, secondary and auxiliary
activities, NACE 2003 rows, both NACE 2008 and 2025 main codes, excluded and unmapped codes,
employers (activity group 006). :func:`write_extract` returns the counts the frame must give,
computed here independently of the loader.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import yaml

HEADERS = {
    "enterprise": [
        "EnterpriseNumber",
        "Status",
        "JuridicalSituation",
        "TypeOfEnterprise",
        "JuridicalForm",
        "JuridicalFormCAC",
        "StartDate",
    ],
    "address": [
        "EntityNumber",
        "TypeOfAddress",
        "CountryNL",
        "CountryFR",
        "Zipcode",
        "MunicipalityNL",
        "MunicipalityFR",
        "StreetNL",
        "StreetFR",
        "HouseNumber",
        "Box",
        "ExtraAddressInfo",
        "DateStrikingOff",
    ],
    "activity": ["EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"],
    "denomination": ["EntityNumber", "Language", "TypeOfDenomination", "Denomination"],
    "establishment": ["EstablishmentNumber", "StartDate", "EnterpriseNumber"],
    "contact": ["EntityContact", "ContactType", "Value"],
    "branch": ["Id", "StartDate", "EnterpriseNumber"],
    "code": ["Category", "Code", "Language", "Description"],
    "meta": ["Variable", "Value"],
}
BRUSSELS = [
    (1000, "Brussel", "Bruxelles"),
    (1030, "Schaarbeek", "Schaerbeek"),
    (1050, "Elsene", "Ixelles"),
    (1060, "Sint-Gillis", "Saint-Gilles"),
    (1080, "Sint-Jans-Molenbeek", "Molenbeek-Saint-Jean"),
    (1180, "Ukkel", "Uccle"),
    (1210, "Sint-Joost-ten-Node", "Saint-Josse-ten-Noode"),
]
ELSEWHERE = [
    (1300, "Waver", "Wavre"),
    (1930, "Zaventem", "Zaventem"),
    (2000, "Antwerpen", "Anvers"),
    (4000, "Luik", "Liège"),
    (9000, "Gent", "Gand"),
]
CODES_2008 = [
    "87101",
    "87204",
    "87302",
    "87902",
    "88101",
    "88103",
    "88991",
    "88993",
    "88995",
    "88996",
    "88999",
    "8891101",
    "94991",
    "94992",
    "94994",
    "94999",
    "85592",
    "90011",
]
CODES_2025 = [
    "87101",
    "87204",
    "87992",
    "88105",
    "88991",
    "88993",
    "88994",
    "88999",
    "94992",
    "94995",
    "94999",
    "86210",
]
DATE = "11-10-2025"


def enterprise_number(head: int) -> str:
    """``0dddd.ddd.ddd`` with valid mod-97 check digits, from an 8-digit head."""
    digits = f"{head:08d}{97 - head % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def _line(values: list[str | None], dates: set[int] = frozenset()) -> str:
    """A row as KBO writes it: quoted values, unquoted dates and empty values."""
    out = []
    for i, value in enumerate(values):
        if value is None or value == "":
            out.append("")
        elif i in dates:
            out.append(value)
        else:
            out.append('"' + value.replace('"', '""') + '"')
    return ",".join(out)


def _subsector(code: str, version: str, mapping: dict) -> str | None:
    prefixes = [p for p in mapping["nace"][version] if code.startswith(p)]
    return mapping["nace"][version][max(prefixes, key=len)] if prefixes else None


def write_extract(
    folder: Path, n: int = 3000, seed: int = 16, mapping_path: Path | None = None, zipped: bool = False
) -> tuple[Path, dict]:
    """Write the extract (a folder, or a zip of it); returns its path and the expected frame:
    ``{"cells": {subsector: [n, employers]}, "in_scope", "unmapped", "excluded"}``."""
    from etl.survey.kbo import MAPPING

    mapping = yaml.safe_load(Path(mapping_path or MAPPING).read_text(encoding="utf-8"))
    mapping["nace"] = {str(v): {str(k): s for k, s in c.items()} for v, c in mapping["nace"].items()}
    rng = random.Random(seed)
    rows: dict[str, list[str]] = {name: [] for name in HEADERS}
    expected = {"cells": {}, "in_scope": 0, "unmapped": 0, "excluded": 0}
    for i in range(n):
        number = enterprise_number(4_000_000 + i * 7)
        kind = "1" if rng.random() < 0.05 else "2"
        status = "AC" if rng.random() < 0.9 else "ST"
        form = (
            rng.choices(["017", "117", "125", "325", "029", "026", "610"], [70, 3, 5, 2, 4, 6, 10])[0]
            if kind == "2"
            else None
        )
        rows["enterprise"].append(
            _line(
                [
                    number,
                    status,
                    "000",
                    kind,
                    form,
                    None,
                    f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1950, 2024)}",
                ],
                dates={6},
            )
        )
        rows["denomination"].append(_line([number, "1", "001", f"Association synthétique {i:04d}"]))
        brussels = rng.random() < 0.6
        zipcode, nl, fr = rng.choice(BRUSSELS if brussels else ELSEWHERE)
        struck = brussels and rng.random() < 0.03
        rows["address"].append(
            _line(
                [
                    number,
                    "REGO",
                    None,
                    None,
                    str(zipcode),
                    nl,
                    fr,
                    "Straat",
                    "Rue",
                    str(rng.randint(1, 200)),
                    None,
                    None,
                    "01-01-2020" if struck else None,
                ],
                dates={12},
            )
        )
        if not brussels and rng.random() < 0.2:  # a Brussels establishment does not count
            unit = f"2.{rng.randint(100, 999)}.{rng.randint(100, 999)}.{rng.randint(100, 999)}"
            rows["establishment"].append(_line([unit, "01-01-2015", number], dates={1}))
            rows["address"].append(
                _line(
                    [
                        unit,
                        "BAET",
                        None,
                        None,
                        "1000",
                        "Brussel",
                        "Bruxelles",
                        "Straat",
                        "Rue",
                        "1",
                        None,
                        None,
                        None,
                    ],
                    dates={12},
                )
            )
        employer = rng.random() < 0.4
        group = "006" if employer else rng.choice(["001", "003"])
        main: dict[str, str] = {}
        shape = rng.random()
        if shape < 0.2:
            pass  # no activity at all (many small associations)
        elif shape < 0.75:
            main["2008"] = rng.choice(CODES_2008)
        elif shape < 0.9:
            main["2008"], main["2025"] = rng.choice(CODES_2008), rng.choice(CODES_2025)
        else:
            main["2025"] = rng.choice(CODES_2025)
        for version, code in main.items():
            rows["activity"].append(_line([number, group, version, code, "MAIN"]))
            if employer and group != "001" and rng.random() < 0.3:  # the same code for VAT too
                rows["activity"].append(_line([number, "001", version, code, "MAIN"]))
        if rng.random() < 0.3:  # secondary, auxiliary and NACE 2003 rows never decide
            rows["activity"].append(_line([number, group, "2008", "88999", "SECO"]))
            rows["activity"].append(_line([number, "003", "2003", "85321", "MAIN"]))
            rows["activity"].append(_line([number, "003", "2008", "87101", "ANCI"]))
        if not employer and rng.random() < 0.1:  # an employer through another main activity
            employer = True
            rows["activity"].append(_line([number, "006", "2008", main.get("2008", "94999"), "SECO"]))
        in_scope = (
            kind == "2" and status == "AC" and form in mapping["legal_forms"] and brussels and not struck
        )
        if not in_scope:
            continue
        expected["in_scope"] += 1
        version = "2025" if "2025" in main else "2008" if "2008" in main else None
        subsector = _subsector(main[version], version, mapping) if version else None
        if subsector is None:
            expected["unmapped"] += 1
        elif subsector == "exclude":
            expected["excluded"] += 1
        else:
            cell = expected["cells"].setdefault(subsector, [0, 0])
            cell[0] += 1
            cell[1] += employer
    rows["meta"] = [
        _line(["SnapshotDate", DATE], dates=set()),
        _line(["ExtractTimestamp", "12-10-2025 05:12:03"]),
        _line(["ExtractType", "full"]),
        _line(["ExtractNumber", "148"]),
        _line(["Version", "1.0.0"]),
    ]
    rows["code"] = [
        _line(["JuridicalForm", "017", "FR", "Association sans but lucratif"]),
        _line(["JuridicalForm", "017", "NL", "Vereniging zonder winstoogmerk"]),
    ]
    out = Path(folder) / "KboOpenData_0148_2025_10_12_Full_SYNTHETIC"
    out.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        text = "\n".join([",".join(f'"{h}"' for h in header), *rows[name]]) + "\n"
        (out / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    if zipped:
        archive = out.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
            for file in sorted(out.iterdir()):
                handle.write(file, file.name)
        return archive, expected
    return out, expected
