"""Groups the report publishes: one stratum column per variable, the same for counts and estimates.

``stratum_columns`` adds ``stratum_<variable>`` columns to linked records (a multi-valued cell
becomes ``multiple``; age becomes an age band). ``histories.build_histories(by=...)`` then
assigns each person one value (their most frequent), so the people counted in a group and the
capture-history table estimated for it are the same people.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

__all__ = ["AGE_BANDS", "STRATA", "stratum_column", "stratum_columns"]

#: Variables the report breaks estimates down by, in the order it shows them.
STRATA: Final = ("citizenship", "sex", "age_band", "exploitation_type")

#: Lower edges and labels of the age bands (age at identification).
AGE_BANDS: Final = ((0, "0-17"), (18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45+"))


def stratum_column(variable: str) -> str:
    """The column ``stratum_columns`` writes for ``variable``."""
    return f"stratum_{variable}"


def _codes(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("").str.strip()
    return text.where(~text.str.contains(";", regex=False), "multiple")


def _ages(records: pd.DataFrame) -> pd.Series:
    """Age at identification: the ``age`` column, else from year of birth and of identification."""
    age = (
        pd.to_numeric(records["age"], errors="coerce")
        if "age" in records
        else pd.Series(np.nan, index=records.index)
    )
    if "date_of_birth" in records and "date_identified" in records:
        born = pd.to_numeric(records["date_of_birth"].astype("string").str[:4], errors="coerce")
        seen = pd.to_numeric(records["date_identified"].astype("string").str[:4], errors="coerce")
        age = age.fillna(seen - born)
    return age


def _age_bands(records: pd.DataFrame) -> pd.Series:
    age = _ages(records)
    edges = [low for low, _ in AGE_BANDS[1:]]
    labels = np.array([label for _, label in AGE_BANDS])
    band = labels[np.searchsorted(edges, age.fillna(0).to_numpy(), side="right")]
    return pd.Series(np.where(age.notna() & (age >= 0), band, ""), index=records.index)


def stratum_columns(records: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``records`` with a ``stratum_<variable>`` column for each of :data:`STRATA`.

    A variable whose column is absent gets an empty stratum column ("not recorded").

    Examples
    --------
    >>> r = pd.DataFrame({"sex": ["F", "M"], "age": [16, 30], "citizenship": ["PHL", "PHL;IDN"]})
    >>> out = stratum_columns(r)
    >>> out["stratum_age_band"].tolist(), out["stratum_citizenship"].tolist()
    (['0-17', '25-34'], ['PHL', 'multiple'])
    """
    out = records.copy()
    for variable in STRATA:
        if variable == "age_band":
            out[stratum_column(variable)] = _age_bands(records)
        elif variable in records:
            out[stratum_column(variable)] = _codes(records[variable])
        else:
            out[stratum_column(variable)] = ""
    return out
