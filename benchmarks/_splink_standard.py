"""The reference tool on the same records: Splink configured as its documentation shows.

Names compared with Splink's ``NameComparison`` (exact, then Jaro-Winkler bands), the date of
birth with ``DateOfBirthComparison``, citizenship, phone and document exactly; blocking on the
same name, date of birth, phone or document, or surname and birth year; u by random sampling,
m by EM on two rules; links at probability 0.9, clustered by Splink. Input cleaning is what a
careful user would do without our name handling: lower case, a full name split into surname
(last word) and given names when no parts were recorded, dates read to ISO.
"""

from __future__ import annotations

import logging

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from darkfigure.records import normalise_date

__all__ = ["link_with_standard_splink"]


def _iso_date(text: str) -> str | None:
    value = normalise_date(text).value if text else None
    text = str(value) if value else ""
    return text if len(text) == 10 else None


def _prepared(records: pd.DataFrame) -> pd.DataFrame:
    family = records["family_name"].str.strip().str.lower()
    given = records["given_name"].str.strip().str.lower()
    full = records["full_name"].str.strip().str.lower()
    split = (family == "") & (given == "") & (full != "")
    words = full[split].str.split()
    family = family.mask(split, words.str[-1])
    given = given.mask(split, words.str[:-1].str.join(" "))
    dates = records["date_of_birth"].drop_duplicates()
    iso = pd.Series([_iso_date(d) for d in dates], index=dates.to_numpy())
    frame = pd.DataFrame(
        {
            "unique_id": range(len(records)),
            "family_name": family,
            "given_name": given,
            "date_of_birth": records["date_of_birth"].map(iso),
            "citizenship": records["citizenship"].str.strip().str.upper(),
            "phone": records["phone"].str.replace(r"\D", "", regex=True).str[-8:],
            "document_number": records["document_number"].str.upper().str.replace(" ", ""),
        }
    )
    return frame.replace("", None)


def link_with_standard_splink(records: pd.DataFrame) -> pd.DataFrame:
    """``list_name``, ``record_id`` and ``person_key`` (Splink's cluster id) per record."""
    frame = _prepared(records.reset_index(drop=True))
    logging.getLogger("splink").setLevel(logging.ERROR)  # its advice on max_pairs, per call
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("family_name"),
            cl.NameComparison("given_name"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("citizenship"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("document_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_name", "given_name"),
            block_on("date_of_birth"),
            block_on("phone"),
            block_on("document_number"),
            block_on("family_name", "substr(date_of_birth, 1, 4)"),
        ],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("document_number"), block_on("phone")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_name", "given_name")
    )
    pairs = linker.inference.predict(threshold_match_probability=0.9)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, 0.9)
    frame_out = clusters.as_pandas_dataframe()  # type: ignore[no-untyped-call,unused-ignore]
    ids = frame_out[["unique_id", "cluster_id"]]
    key = frame[["unique_id"]].merge(ids, on="unique_id", how="left")["cluster_id"]
    out = records.reset_index(drop=True)[["list_name", "record_id"]].copy()
    out["person_key"] = key.astype(str).to_numpy()
    return out
