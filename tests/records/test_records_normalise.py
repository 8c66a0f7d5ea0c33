"""Normalisers: known answers, hypothesis properties, and column versions equal to the scalars."""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata

import opencc
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfigure.records import (
    COLUMNS_BY_NAME,
    DISTRICTS,
    normalise_age,
    normalise_code,
    normalise_codes,
    normalise_countries,
    normalise_date,
    normalise_district,
    normalise_name,
    normalise_phone,
    normalise_sex,
)
from darkfigure.records._countries import COUNTRY_CODES, _rows, country_code
from darkfigure.records._normalise import _SCALAR, normalise_column

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
FAST = settings(max_examples=60, deadline=None)

# ---------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/03/1990", "1990-03-04"),  # day first, as in Hong Kong
        ("4/3/1990", "1990-03-04"),
        ("04.03.1990", "1990-03-04"),
        ("1990-03-04", "1990-03-04"),
        ("1990/3/4", "1990-03-04"),
        ("1990-03-04 00:00:00", "1990-03-04"),
        ("1990-03-04T10:30", "1990-03-04"),
        ("1990-03", "1990-03"),
        ("03/1990", "1990-03"),
        ("1990", "1990"),
        ("2025年3月4日", "2025-03-04"),
        ("２０２５年３月４日", "2025-03-04"),  # full-width digits
        ("2025年3月", "2025-03"),
        ("2025年", "2025"),
        ("4 Mar 1990", "1990-03-04"),
        ("March 4, 1990", "1990-03-04"),
        ("Sept 1990", "1990-09"),
        ("32936", "1990-03-04"),  # Excel serial
        ("32936.0", "1990-03-04"),
        ("  ", None),
    ],
)
def test_date_known_answers(text: str, expected: str | None) -> None:
    assert normalise_date(text) == (expected, None)


@pytest.mark.parametrize(
    "text", ["31/02/1990", "29/02/1900", "30/02/2024", "00/01/1990", "01/13/1990", "1990-13",
             "1990-02-30", "2025年2月30日", "31 Apr 1990"],
)  # fmt: skip
def test_impossible_dates_are_errors(text: str) -> None:
    result = normalise_date(text)
    assert result.value is None
    assert result.reason is not None
    assert "impossible date" in result.reason


@pytest.mark.parametrize("text", ["03/04/90", "yesterday", "1990-03-04-05", "12345678", "1850"])
def test_other_bad_dates_have_reasons_without_the_value(text: str) -> None:
    result = normalise_date(text)
    assert result.value is None
    assert result.reason
    assert text not in result.reason


@FAST
@given(dates)
def test_every_real_date_in_every_written_form(day: dt.date) -> None:
    iso = day.isoformat()
    forms = [iso, f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day.year}", f"{day:%d.%m.%Y}",
             f"{day.year}年{day.month}月{day.day}日", f"{day.day} {day:%b %Y}",
             f"{day:%B} {day.day}, {day.year}"]  # fmt: skip
    for form in forms:
        assert normalise_date(form) == (iso, None), form
    serial = (day - dt.date(1899, 12, 30)).days
    if 10_000 <= serial <= 99_999:
        assert normalise_date(str(serial)).value == iso


@FAST
@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(29, 31))
def test_day_past_month_end_is_an_error(year: int, month: int, day: int) -> None:
    valid = day <= calendar.monthrange(year, month)[1]
    result = normalise_date(f"{day:02d}/{month:02d}/{year}")
    assert (result.value is not None) == valid
    assert (result.reason is None) == valid


# Every reason a date can fail with: fixed texts, so none can quote a date of birth.
DATE_REASONS = {
    "year outside 1900-2100",
    "impossible date: the month is not 1-12 (dates are DD/MM/YYYY)",
    "impossible date: that month has no such day",
    "two-digit year: write the year in full (DD/MM/YYYY)",
    "not a date: use YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY; fix the cell or leave it empty",
}


@FAST
@given(st.one_of(st.text(max_size=12), st.from_regex(r"\d{1,2}/\d{1,2}/\d{2,4}", fullmatch=True)))
def test_dates_are_idempotent_and_reasons_are_fixed_texts(text: str) -> None:
    first = normalise_date(text)
    if first.value is not None:
        assert normalise_date(first.value) == first
    else:
        assert first.reason is None or first.reason in DATE_REASONS


# ---------------------------------------------------------------------------------------------
# Sex, age


@pytest.mark.parametrize(
    ("text", "expected"),
    [("F", "F"), ("female", "F"), (" Female ", "F"), ("女", "F"), ("女性", "F"), ("WOMAN", "F"),
     ("M", "M"), ("male", "M"), ("男", "M"), ("X", "X"), ("non-binary", "X"), ("unknown", None),
     ("", None)],
)  # fmt: skip
def test_sex(text: str, expected: str | None) -> None:
    assert normalise_sex(text) == (expected, None)


@FAST
@given(st.sampled_from(["f", "female", "woman", "m", "male", "man", "x", "other"]), st.booleans())
def test_sex_ignores_case_and_spaces(word: str, upper: bool) -> None:
    text = f"  {word.upper() if upper else word.title()} "
    assert normalise_sex(text).value == {"f": "F", "w": "F", "m": "M", "x": "X", "o": "X"}[word[0]]


def test_bad_sex_is_an_error() -> None:
    assert normalise_sex("Q").reason is not None


@FAST
@given(st.integers(-50, 400))
def test_age_range(age: int) -> None:
    result = normalise_age(str(age))
    assert (result.value == age) == (0 <= age <= 120)
    assert (result.reason is None) == (0 <= age <= 120)


@pytest.mark.parametrize("text", ["35", "35.0", "35歲", "35岁", "35 years", " 35 Yrs "])
def test_age_forms(text: str) -> None:
    assert normalise_age(text) == (35, None)


@pytest.mark.parametrize("text", ["35.5", "thirty", "3 5", "-1", "35 months"])
def test_age_not_whole_number(text: str) -> None:
    assert normalise_age(text).reason is not None


# ---------------------------------------------------------------------------------------------
# Countries


@pytest.mark.parametrize(
    ("text", "expected"),
    [("PHL", "PHL"), ("Philippines", "PHL"), ("the philippines", "PHL"), ("Filipino", "PHL"),
     ("Filipina", "PHL"), ("菲律賓", "PHL"), ("菲律宾", "PHL"), ("Mainland", "CHN"),
     ("Mainland China", "CHN"), ("內地", "CHN"), ("内地", "CHN"), ("中國", "CHN"), ("HK", "HKG"),
     ("Hong Kong", "HKG"), ("香港", "HKG"), ("Indonesian", "IDN"), ("印尼", "IDN"),
     ("Thai", "THA"), ("泰國", "THA"), ("泰国", "THA"), ("Vietnamese", "VNM"), ("越南", "VNM"),
     ("Colombia", "COL"), ("Ukrainian", "UKR"), ("Nigerian", "NGA"), ("Nepalese", "NPL"),
     ("Sri Lankan", "LKA"), ("Cambodian", "KHM"), ("Myanmar", "MMR"), ("Taiwan", "TWN"),
     ("臺灣", "TWN"), ("台湾", "TWN"), ("Macau", "MAC"), ("UK", "GBR"), ("Russia", "RUS")],
)  # fmt: skip
def test_country_names(text: str, expected: str) -> None:
    assert country_code(text) == expected


def test_every_iso_code_is_known() -> None:
    assert len(COUNTRY_CODES) == 249
    for code in COUNTRY_CODES:
        assert country_code(code) == code
        assert country_code(code.lower()) == code


def test_citizenship_list_keeps_order_and_reports_unknown() -> None:
    assert normalise_countries("Filipino; HK ;菲律賓").value == "PHL;HKG"
    result = normalise_countries("PHL;Atlantis")
    assert result.value is None
    assert result.reason is not None
    assert "'Atlantis'" in result.reason


# ---------------------------------------------------------------------------------------------
# Codes, districts

EXPLOITATION = COLUMNS_BY_NAME["exploitation_type"].codes


@FAST
@given(st.lists(st.sampled_from(EXPLOITATION), min_size=1, max_size=4), st.booleans())
def test_codes_forgive_case_spacing_and_repeats(codes: list[str], shout: bool) -> None:
    written = " ; ".join((c.upper() if shout else c).replace("_", " ") for c in codes)
    assert normalise_codes(written, EXPLOITATION) == (";".join(dict.fromkeys(codes)), None)


def test_unknown_codes_are_named() -> None:
    reason = normalise_codes("sexual;organ_removal", EXPLOITATION).reason
    assert reason is not None
    assert "'organ_removal'" in reason
    assert "allowed:" in reason
    assert "separate codes with ';'" in (
        normalise_codes("sexual, other", EXPLOITATION).reason or ""
    )


def test_single_code_columns_take_one_code() -> None:
    codes = COLUMNS_BY_NAME["entry_permit"].codes
    assert normalise_code("FDH", codes).value == "fdh"
    assert normalise_code("fdh;visitor", codes).reason == "one code only in this column"
    assert normalise_code("是", ("yes", "no")).value == "yes"


@pytest.mark.parametrize("district", DISTRICTS)
def test_districts_round_trip(district: str) -> None:
    assert normalise_district(district.upper()).value == district
    assert normalise_district(f"{district} District").value == district


def test_districts_in_chinese_and_unknown() -> None:
    assert normalise_district("油尖旺").value == "Yau Tsim Mong"
    assert normalise_district("東區").value == "Eastern"
    assert normalise_district("Mong Kok").reason is not None  # a neighbourhood, not a district


# ---------------------------------------------------------------------------------------------
# Names


def test_names_keep_what_was_written() -> None:
    assert normalise_name(" Ma.  Cristina\tReyes ").value == "Ma. Cristina Reyes"
    assert normalise_name("García López").value == "García López"
    decomposed = "Garcia\u0301"  # combining accent → NFC
    assert normalise_name(decomposed).value == unicodedata.normalize("NFC", decomposed)
    assert normalise_name("陳小美").value == "陳小美"  # never converted between scripts


@FAST
@given(st.text(max_size=30))
def test_names_lose_no_character(text: str) -> None:
    value = normalise_name(text).value or ""
    nfc = unicodedata.normalize("NFC", text)
    assert "".join(value.split()) == "".join(nfc.split())
    assert normalise_name(value).value == (value or None)  # idempotent


# ---------------------------------------------------------------------------------------------
# Phones


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9123 4567", "+85291234567"), ("91234567", "+85291234567"),
     ("+852 9123 4567", "+85291234567"), ("00852-9123-4567", "+85291234567"),
     ("(852) 9123 4567", "+85291234567"),
     ("2345 6789", "+85223456789"), ("+63 917 123 4567", "+639171234567"),
     ("+86 138 0013 8000", "+8613800138000"), ("＋852 9123 4567", "+85291234567")],
)  # fmt: skip
def test_phone_known_answers(text: str, expected: str) -> None:
    assert normalise_phone(text) == (expected, None)


def test_invalid_phone_is_reported_without_the_number() -> None:
    result = normalise_phone("1234 5678")
    assert result.value is None
    assert result.reason is not None
    assert "1234" not in result.reason


def test_00852_prefix_is_hong_kong() -> None:
    # phonenumbers reads "008" as Hong Kong's IDD 008 and "52..." as Mexico; people who write
    # 00852 mean Hong Kong's country code, so darkfigure reads it so (a deliberate difference).
    assert normalise_phone("00852 9123 4567").value == "+85291234567"
    assert normalise_phone("00852 1234 5678").reason is not None  # still checked for validity


def _phonenumbers_says(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "HK")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"[0-9]{8}", fullmatch=True),
    st.sampled_from(["{}", "{} {}", "{}-{}", "+852 {}{}", "(852) {}-{}"]),
)
def test_fast_path_agrees_with_phonenumbers(digits: str, form: str) -> None:
    text = form.format(digits[:4], digits[4:]) if form.count("{}") == 2 else form.format(digits)
    assert normalise_phone(text).value == _phonenumbers_says(text)
    column, _ = normalise_column(COLUMNS_BY_NAME["phone"], pa.array([text]))
    assert column.to_pylist() == [normalise_phone(text).value or text.strip()]


# ---------------------------------------------------------------------------------------------
# Column versions = scalar versions

_SAMPLES = {
    "sex": ["F", "女", "male", "?", "", " x "],
    "date": ["04/03/1990", "31/02/1990", "1990", "", "32936", "2025年3月4日", "x"],
    "age": ["35", "35.0", "130", "", "abc"],
    "countries": ["Filipino;HK", "菲律賓", "Narnia", "", "PHL; PHL"],
    "country": ["KHM", "Cambodia;THA", ""],
    "codes": ["sexual", "Forced Labour;sexual", "organ", ""],
    "code": ["fdh", "FDH", "fdh;visitor", "nope", ""],
    "district": ["Wan Chai", "灣仔區", "Mong Kok", ""],
    "phone": ["9123 4567", "+63 917 123 4567", "1234 5678", "", "call me"],
    "names": ["Ah Mei; Mandy", " ; ", "Lan"],
}
_COLUMN_OF_KIND = {
    "sex": "sex", "date": "date_of_birth", "age": "age", "countries": "citizenship",
    "country": "origin_country", "codes": "exploitation_type", "code": "entry_permit",
    "district": "district", "phone": "phone", "names": "alias",
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(_SCALAR))
def test_column_matches_scalar(kind: str) -> None:
    column = COLUMNS_BY_NAME[_COLUMN_OF_KIND[kind]]
    scalar = _SCALAR[kind](column)
    samples = _SAMPLES[kind] * 3
    values, issues = normalise_column(column, pa.array(samples))
    failed = {int(p) for issue in issues for p in issue.positions}
    for i, text in enumerate(samples):
        expected = scalar(text)
        assert (i in failed) == (expected.reason is not None), (kind, text)
        if expected.reason is None:
            assert values[i].as_py() == expected.value, (kind, text)
        elif kind != "age":  # a failing text value is kept as written (trimmed)
            assert values[i].as_py() == (normalise_name(text).value)
    for issue in issues:
        assert (issue.value is None) == column.identity


_PIECES = ["a", "陳", " ", "\t", "\n", "\u3000", "\xa0", "\x1c", "\u200b", "e\u0301"]
_SPACEY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), _SPACEY), max_size=20))
def test_name_column_matches_scalar(texts: list[str]) -> None:
    values, issues = normalise_column(COLUMNS_BY_NAME["family_name"], pa.array(texts, pa.string()))
    assert values.to_pylist() == [normalise_name(t).value for t in texts]
    assert issues == []


_TABLE = _rows()
_TO_SIMPLIFIED = opencc.OpenCC("t2s")


@FAST
@given(st.sampled_from(_TABLE), st.data())
def test_every_name_in_the_country_table_maps_back(
    row: dict[str, str], data: st.DataObject
) -> None:
    names = [n for field in ("names", "demonyms") for n in row[field].split("|") if n]
    zh = [n for n in row["zh"].split("|") if n]
    text = data.draw(st.sampled_from([row["alpha3"], row["alpha2"], *names, *zh]))
    if text.isascii():
        text = data.draw(st.sampled_from([text.upper(), text.lower(), f"  {text} ", text.title()]))
    assert country_code(text) == row["alpha3"]
    for name in zh:
        assert country_code(_TO_SIMPLIFIED.convert(name)) == row["alpha3"]
