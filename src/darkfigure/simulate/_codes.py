"""The record standard's codes, as the simulator uses them, and the countries it knows.

The codes come from :data:`darkfigure.records.COLUMNS` (the record standard in code). Scenario
validation checks every code a scenario names against them, so a typo fails at load time with
its YAML path instead of producing a list the records reader rejects.
"""

from __future__ import annotations

from typing import NamedTuple

from darkfigure.records import COLUMNS, COLUMNS_BY_NAME, DISTRICTS

__all__ = [
    "CASE_FIELDS",
    "COUNTRIES",
    "DISTRICTS",
    "ENTRY_PERMIT",
    "EXPLOITATION_TYPE",
    "MEANS_OF_CONTROL",
    "MOVEMENT",
    "ORGANISED_CRIME",
    "RECORD_COLUMNS",
    "RECRUITER_RELATION",
    "RECRUITMENT",
    "RECRUITMENT_APPS",
    "SEX",
    "SEX_EXPLOITATION_TYPE",
    "TRAFFICKING_STATUS",
    "VENUE",
    "Country",
]


def _codes(column: str) -> tuple[str, ...]:
    return COLUMNS_BY_NAME[column].codes


SEX = _codes("sex")
EXPLOITATION_TYPE = _codes("exploitation_type")
SEX_EXPLOITATION_TYPE = _codes("sex_exploitation_type")
RECRUITMENT = _codes("recruitment")
RECRUITMENT_APPS = _codes("recruitment_apps")
#: ``none`` ("asked; none reported") is a recording code, not part of anyone's story.
MEANS_OF_CONTROL = tuple(c for c in _codes("means_of_control") if c != "none")
MOVEMENT = _codes("movement")
VENUE = _codes("venue")
RECRUITER_RELATION = _codes("recruiter_relation")
ENTRY_PERMIT = _codes("entry_permit")
ORGANISED_CRIME = _codes("organised_crime")
TRAFFICKING_STATUS = _codes("trafficking_status")

#: The record standard's columns, in its order.
RECORD_COLUMNS = tuple(c.name for c in COLUMNS)

#: Case columns an organisation fills from the person's story (each with its own completeness).
CASE_FIELDS = (
    "district",
    "exploitation_type",
    "sex_exploitation_type",
    "recruitment",
    "recruitment_apps",
    "means_of_control",
    "movement",
    "origin_country",
    "destination_country",
    "venue",
    "recruiter_relation",
    "entry_permit",
    "organised_crime",
)


class Country(NamedTuple):
    """How a country is written, and which naming culture its citizens' names follow."""

    name: str
    demonym: str
    zh: str
    culture: str
    phone_prefix: str
    #: Start and length of a mobile number in national form (synthetic numbers follow it).
    mobile: tuple[str, int] = ("9", 9)


#: Countries of citizenship the simulator can generate names for, plus destinations.
#: ``culture`` selects the name pools in ``_names.py``; destinations have culture "".
COUNTRIES: dict[str, Country] = {
    "HKG": Country("Hong Kong", "HK", "香港", "hongkong", "852", ("9", 8)),
    "CHN": Country("China", "Mainland", "中國", "mainland", "86", ("13", 11)),
    "PHL": Country("Philippines", "Filipino", "菲律賓", "filipino", "63", ("917", 10)),
    "IDN": Country("Indonesia", "Indonesian", "印尼", "indonesian", "62", ("812", 11)),
    "THA": Country("Thailand", "Thai", "泰國", "thai", "66", ("81", 9)),
    "VNM": Country("Viet Nam", "Vietnamese", "越南", "vietnamese", "84", ("91", 9)),
    "COL": Country("Colombia", "Colombian", "哥倫比亞", "spanish", "57", ("310", 10)),
    "PER": Country("Peru", "Peruvian", "秘魯", "spanish", "51", ("9", 9)),
    "VEN": Country("Venezuela", "Venezuelan", "委內瑞拉", "spanish", "58", ("412", 10)),
    "RUS": Country("Russia", "Russian", "俄羅斯", "russian", "7", ("91", 10)),
    "UKR": Country("Ukraine", "Ukrainian", "烏克蘭", "ukrainian", "380", ("67", 9)),
    "KAZ": Country("Kazakhstan", "Kazakh", "哈薩克", "russian", "7", ("701", 10)),
    "NGA": Country("Nigeria", "Nigerian", "尼日利亞", "african", "234", ("803", 10)),
    "UGA": Country("Uganda", "Ugandan", "烏干達", "african", "256", ("77", 9)),
    "KEN": Country("Kenya", "Kenyan", "肯尼亞", "african", "254", ("72", 9)),
    "USA": Country("United States", "American", "美國", "", "1"),
    "CAN": Country("Canada", "Canadian", "加拿大", "", "1"),
    "GBR": Country("United Kingdom", "British", "英國", "", "44"),
    "KHM": Country("Cambodia", "Cambodian", "柬埔寨", "", "855"),
    "MMR": Country("Myanmar", "Burmese", "緬甸", "", "95"),
    "LAO": Country("Laos", "Lao", "老撾", "", "856"),
    "MAC": Country("Macao", "Macanese", "澳門", "", "853"),
    "TWN": Country("Taiwan", "Taiwanese", "台灣", "", "886"),
}
