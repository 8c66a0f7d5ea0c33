"""Feature derivation: dates, ages, phones, documents."""

import pandas as pd

from darkfigure.link._features import derive_features


def _one(**fields):
    return derive_features(pd.DataFrame([{"list_name": "a", "record_id": "1", **fields}])).iloc[0]


def test_dates_in_hong_kong_and_iso_forms():
    for text in ("1990-03-12", "12/03/1990", "19900312"):
        row = _one(date_of_birth=text)
        assert (row.dob_y, row.dob_m, row.dob_d, row.dob) == (1990, 3, 12, "1990-03-12")
    row = _one(date_of_birth="1990")
    assert row.dob_y == 1990
    assert pd.isna(row.dob_m)
    assert row.dob is None


def test_date_digits_kept_as_written_for_typo_comparison():
    # A typed digit can make an impossible date (month 54); its digits still compare.
    assert _one(date_of_birth="19105412").dob_digits == "19105412"
    assert _one(date_of_birth="05/12/1990").dob_digits == "19901205"
    assert _one(date_of_birth="1990").dob_digits is None


def test_name_with_no_citizenship_keeps_whole_token_key():
    # "Rina" splits into pinyin ri + na, but with no citizenship it may be Indonesian: the
    # whole token stays a key so that it meets "RINA" on a record saying Indonesia.
    unknown = _one(full_name="Rina")
    indonesian = _one(given_name="RINA", citizenship="IDN")
    assert set(unknown.nm_flat) & set(indonesian.nm_flat)
    chinese = _one(full_name="Rina", citizenship="CHN")
    assert not set(chinese.nm_flat) & set(indonesian.nm_flat)


def test_age_gives_birth_year_range():
    row = _one(age="25", date_identified="2023-05-01")
    assert (row.by_lo, row.by_hi) == (1997, 1998)
    row = _one(date_of_birth="1998-01-02", age="25")
    assert (row.by_lo, row.by_hi) == (1998, 1998)


def test_phone_document_sex_citizenship():
    row = _one(
        phone="9123 4567", document_number="a123456(7)", sex="female", citizenship="Filipino"
    )
    assert row.phone == "+85291234567"
    assert row.document == "A1234567"
    assert row.sex == "F"
    assert row.citizenship == "PHL"


def test_names_from_full_name_when_not_split():
    row = _one(full_name="Ah Mei")
    assert row.nm_len == 1
    assert "mei" in row.nm_flat


def test_missing_everything_is_null():
    row = _one()
    assert row.nm_flat is None
    assert pd.isna(row.by_lo)
    assert row.phone is None
