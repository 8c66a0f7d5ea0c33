"""The case-record standard (v1) in code: one source of truth for columns, kinds and code lists.

Validation, the documentation (``docs/records.md`` is generated from :func:`standard_markdown`)
and the later stages (screen, link, simulate) all read the standard from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "COLUMNS",
    "COLUMNS_BY_NAME",
    "DISTRICTS",
    "IDENTITY_COLUMNS",
    "STANDARD_VERSION",
    "Column",
    "Kind",
    "standard_markdown",
]

STANDARD_VERSION = "1"

#: How a column is read and normalised.
#: ``id`` and ``name``: text kept as written (Unicode NFC, whitespace collapsed and trimmed);
#: ``names``: ``;``-separated names; ``sex``: F/M/X;
#: ``date``: YYYY-MM-DD, YYYY-MM or YYYY; ``age``: integer 0-120; ``country``/``countries``:
#: ISO 3166-1 alpha-3 (one, or ``;``-separated); ``phone``: E.164; ``code``/``codes``: one code,
#: or ``;``-separated codes, from the column's code list; ``district``: a Hong Kong district.
Kind = Literal[
    "id", "name", "names", "sex", "date", "age", "country", "countries", "phone", "code",
    "codes", "district",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One column of the record standard.

    Attributes
    ----------
    name
        The column name, exactly as files and tools spell it.
    kind
        How values are read and normalised (see :data:`Kind`).
    identity
        True for the identity columns: their values never appear in messages, logs or reports.
    description
        What the column holds, for people.
    codes
        The allowed codes for ``code``/``codes`` columns (and the districts), else empty.
    required
        True only for ``record_id``.
    """

    name: str
    kind: Kind
    identity: bool
    description: str
    codes: tuple[str, ...] = ()
    required: bool = False


#: Hong Kong's 18 districts, as the government names them in English.
DISTRICTS: tuple[str, ...] = (
    "Central and Western", "Wan Chai", "Eastern", "Southern", "Yau Tsim Mong", "Sham Shui Po",
    "Kowloon City", "Wong Tai Sin", "Kwun Tong", "Kwai Tsing", "Tsuen Wan", "Tuen Mun",
    "Yuen Long", "North", "Tai Po", "Sha Tin", "Sai Kung", "Islands",
)  # fmt: skip

_SEX_CODES = ("F", "M", "X")

COLUMNS: tuple[Column, ...] = (
    # Identity: used for linkage, the most sensitive part.
    Column("record_id", "id", False, "Unique within its list.", required=True),
    Column("list_name", "id", False, "Which list the record is on; when absent, the file's stem."),
    Column("family_name", "name", True,
           "As recorded: pinyin (`CHEN`), Hong Kong Cantonese romanisation (`Chan`), Thai, "
           "Filipino, Spanish double surnames, Cyrillic transliterations, or empty (one name)."),
    Column("given_name", "name", True,
           "As recorded: `Xiaomei`, `Siu Mei`, `Siu-mei`, `Mandy Siu Mei`, "
           "`Ma. Cristina Reyes`, ..."),
    Column("full_name", "name", True,
           "When the list does not split names (hotlines often record `Ah Mei`, `Lan Nguyen`)."),
    Column("name_zh", "name", True, "Chinese characters, traditional or simplified."),
    Column("alias", "names", True, "Nicknames, working names; `;`-separated."),
    Column("sex", "sex", False, "`F`, `M`, `X` or empty; input may say `female`, `女`, ...",
           codes=_SEX_CODES),
    Column("date_of_birth", "date", True,
           "`YYYY-MM-DD`, `YYYY-MM` or `YYYY`; input may be `DD/MM/YYYY` (Hong Kong usage)."),
    Column("age", "age", False, "Integer 0-120: age at `date_identified`, when no date of birth."),
    Column("citizenship", "countries", False,
           "ISO 3166-1 alpha-3, `;`-separated; input may be names (`Philippines`, `Filipino`, "
           "`菲律賓`, `Mainland` → CHN, `HK` → HKG)."),
    Column("document_number", "name", True,
           "Passport, Hong Kong identity card, two-way permit (kept as written)."),
    Column("phone", "phone", True, "Any format; normalised to E.164 (`+85291234567`)."),
    # Case: used for screening, stratification and publication.
    Column("date_identified", "date", False, "When this list first recorded the person."),
    Column("district", "district", False, "One of Hong Kong's 18 districts, when known.",
           codes=DISTRICTS),
    Column("exploitation_type", "codes", False, "Form(s) of exploitation.",
           codes=("sexual", "forced_labour", "domestic_servitude", "forced_criminality", "other")),
    Column("sex_exploitation_type", "codes", False, "Form(s) of sexual exploitation.",
           codes=("prostitution", "pornography", "remote_interactive", "private_sexual_services")),
    Column("recruitment", "codes", False, "How the person was recruited.",
           codes=("job_offer", "employment_agency", "online_social", "online_ad", "family",
                  "friend", "intimate_partner", "abduction", "other")),
    Column("recruitment_apps", "codes", False, "Apps and sites used to recruit.",
           codes=("wechat", "qq", "whatsapp", "telegram", "facebook", "instagram", "line",
                  "tiktok", "email", "other")),
    Column("means_of_control", "codes", False,
           "`none` means asked, none reported; `threats_law_enforcement` covers police or "
           "immigration.",
           codes=("none", "debt_bondage", "takes_earnings", "withholds_documents",
                  "threats_law_enforcement", "threats", "threatens_family", "blackmail_images",
                  "physical_abuse", "sexual_abuse", "psychological_abuse", "restricts_movement",
                  "false_promises", "psychoactive_substances", "excessive_hours",
                  "withholds_necessities", "restricts_financial_access",
                  "restricts_medical_care")),
    Column("movement", "codes", False, "Movement across Hong Kong's boundary.",
           codes=("into_hk", "out_of_hk", "transit", "domestic")),
    Column("origin_country", "country", False, "ISO 3166-1 alpha-3."),
    Column("destination_country", "country", False,
           "ISO 3166-1 alpha-3; for `out_of_hk`, e.g. a scam compound abroad."),
    Column("venue", "codes", False, "Where the exploitation took place.",
           codes=("vice_establishment", "one_woman_flat", "hotel", "business", "private_home",
                  "online")),
    Column("recruiter_relation", "code", False, "The recruiter's relation to the person.",
           codes=("family", "friend", "intimate_partner", "acquaintance", "stranger", "agency",
                  "unknown")),
    Column("entry_permit", "code", False, "`fdh`: foreign domestic helper visa.",
           codes=("visitor", "fdh", "employment", "two_way_permit", "resident", "none",
                  "unknown")),
    Column("organised_crime", "code", False, "Organised crime involvement.",
           codes=("triad", "other_syndicate", "none", "unknown")),
    Column("trafficking_status", "code", False, "HTCDS `vic_TraffickingStatus`.",
           codes=("possible", "actual", "not_victim")),
    Column("consent_to_share", "code", False,
           "Consent recorded for sharing beyond the list holder.", codes=("yes", "no")),
)  # fmt: skip

COLUMNS_BY_NAME: Mapping[str, Column] = MappingProxyType({c.name: c for c in COLUMNS})

#: Columns whose values never appear in messages, logs, reports or summaries.
IDENTITY_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.identity)

_KIND_TEXT: Mapping[Kind, str] = MappingProxyType({
    "id": "text", "name": "text", "names": "text, `;`-separated",
    "sex": "code", "date": "date", "age": "integer", "country": "alpha-3",
    "countries": "alpha-3, `;`-separated", "phone": "E.164", "code": "code",
    "codes": "`;`-codes", "district": "district",
})  # fmt: skip


def standard_markdown() -> str:
    """The standard's columns as Markdown tables (identity, then case), for ``docs/records.md``.

    Examples
    --------
    >>> print(standard_markdown().splitlines()[0])
    ### Identity (used for linkage; 🔒 values never shown)
    """
    out: list[str] = []
    for title, identity_part in (
        ("Identity (used for linkage; 🔒 values never shown)", True),
        ("Case (used for screening, stratification and publication)", False),
    ):
        out += [f"### {title}", "", "| column | type | codes | notes |", "|---|---|---|---|"]
        first_case = COLUMNS.index(COLUMNS_BY_NAME["date_identified"])
        # The standard's "identity" part also holds record_id, list_name, sex and age, whose
        # values may be quoted; the tables follow the standard's order.
        part = COLUMNS[:first_case] if identity_part else COLUMNS[first_case:]
        for col in part:
            kind = _KIND_TEXT[col.kind] + (", required" if col.required else "")
            codes = ", ".join(f"`{c}`" for c in col.codes) if col.kind != "district" else ""
            if col.kind == "district":
                codes = "the 18 districts (English or Chinese name)"
            name = f"`{col.name}`" + (" 🔒" if col.identity else "")
            out.append(f"| {name} | {kind} | {codes} | {col.description} |")
        out.append("")
    out.append("🔒 identity column: its values never appear in messages, logs or reports.")
    return "\n".join(out) + "\n"
