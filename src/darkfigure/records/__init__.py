"""Case records: the record standard, readers, normalisers and validation.

The facade is :func:`read_lists` (records for the next stage, as a :class:`RecordSet`) and
:func:`validate_lists` (a :class:`ValidationReport` in bounded memory, optionally writing the
normalised records to Parquet). :data:`COLUMNS` is the record standard in code, which the other
stages import.
"""

from darkfigure.records._lists import RecordSet, read_lists, sample_paths, validate_lists
from darkfigure.records._normalise import (
    normalise_age,
    normalise_code,
    normalise_codes,
    normalise_countries,
    normalise_country,
    normalise_date,
    normalise_district,
    normalise_name,
    normalise_names,
    normalise_phone,
    normalise_sex,
)
from darkfigure.records._readers import canonical_encoding
from darkfigure.records._report import Problem, ValidationReport
from darkfigure.records._standard import (
    COLUMNS,
    COLUMNS_BY_NAME,
    DISTRICTS,
    IDENTITY_COLUMNS,
    STANDARD_VERSION,
    Column,
    standard_markdown,
)

__all__ = [
    "COLUMNS",
    "COLUMNS_BY_NAME",
    "DISTRICTS",
    "IDENTITY_COLUMNS",
    "STANDARD_VERSION",
    "Column",
    "Problem",
    "RecordSet",
    "ValidationReport",
    "canonical_encoding",
    "normalise_age",
    "normalise_code",
    "normalise_codes",
    "normalise_countries",
    "normalise_country",
    "normalise_date",
    "normalise_district",
    "normalise_name",
    "normalise_names",
    "normalise_phone",
    "normalise_sex",
    "read_lists",
    "sample_paths",
    "standard_markdown",
    "validate_lists",
]
