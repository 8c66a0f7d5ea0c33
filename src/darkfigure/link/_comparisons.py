"""Splink comparisons for case records, each a small creator class that lists its levels.

The name comparison is the core: two names agree on a syllable when the syllable's key set
(:mod:`._hknames`) meets any key of the other name; counting agreeing syllables in both
directions gives "all agree", "one name within the other" (a dropped middle name, a nickname,
a single Indonesian name), "two or more agree", and the levels below. Order does not matter,
so ``Siu Mei Chan`` is ``Chan Siu Mei``. The SQL is DuckDB's and Splink translates it late for
other dialects.
"""

from __future__ import annotations

from typing import Any

from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.comparison_level_library import CustomLevel as _SplinkCustomLevel
from splink.internals.comparison_level_library import ElseLevel
from splink.internals.dialects import SplinkDialect

from darkfigure.link._features import CASE_FACTS, CONTROL

# Our SQL is DuckDB's; for Spark the few list functions and the lambda syntax are renamed
# (sqlglot's own translation turns list_has_any into an operator Spark lacks). Each Spark name
# appears in no DuckDB condition here, so the renaming also runs backwards (a model saved by
# a Spark run, applied on DuckDB).
_SPARK_NAMES = (
    ("len(list_filter(", "size(filter("),
    ("len(list_intersect(", "size(array_intersect("),
    ("list_has_any(", "arrays_overlap("),
    ("list_contains(", "array_contains("),
    ("list_max(list_transform(", "array_max(transform("),
    ("jaro_winkler_similarity(", "jaro_winkler("),
    ("len(addr_tokens", "size(addr_tokens"),
    ("len(nm_tok", "size(nm_tok"),
    (f"len({CONTROL}", f"size({CONTROL}"),
    ("lambda x: ", "x -> "),
    ("lambda t: ", "t -> "),
    ("lambda u: ", "u -> "),
)

#: The dialects our conditions are written for (Splink's names).
DIALECTS = ("duckdb", "spark")


def sql_for_dialect(sql: str, source: str, target: str) -> str:
    """A comparison condition written for the ``source`` dialect, rewritten for ``target``.

    Only the renamings of :data:`_SPARK_NAMES` are made, between the two :data:`DIALECTS`
    (any other pair is returned unchanged): enough for the conditions of this module and of
    the models saved with them, not a general translation.
    """
    if source == target or source not in DIALECTS or target not in DIALECTS:
        return sql
    pairs = _SPARK_NAMES if target == "spark" else tuple((b, a) for a, b in _SPARK_NAMES)
    for old, new in pairs:
        sql = sql.replace(old, new)
    return sql


class CustomLevel(_SplinkCustomLevel):
    """A custom level written in DuckDB SQL, renamed for Spark when that is the engine."""

    def __init__(self, sql_condition: str, label_for_charts: str | None = None) -> None:
        super().__init__(sql_condition, label_for_charts)

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        return sql_for_dialect(self.sql_condition, "duckdb", sql_dialect.sql_dialect_str)


__all__ = [
    "AddressComparison",
    "BirthComparison",
    "CaseFactComparison",
    "ExactComparison",
    "HongKongNameComparison",
    "all_comparisons",
    "sql_for_dialect",
]


def _agreeing(side: str, other: str) -> str:
    """Syllables of ``side`` whose key set meets the other name's keys."""
    return f"len(list_filter(nm_keys_{side}, lambda x: list_has_any(x, nm_flat_{other})))"


def _fuzzy(side: str, other: str) -> str:
    """Agreeing syllables plus long non-Chinese tokens within Jaro-Winkler 0.88 of one there."""
    near = (
        f"len(list_filter(nm_long_{side}, lambda t: NOT list_contains(nm_flat_{other}, t) "
        f"AND coalesce(list_max(list_transform(nm_long_{other}, "
        f"lambda u: jaro_winkler_similarity(t, u))), 0) >= 0.88))"
    )
    return f"({_agreeing(side, other)} + {near})"


def _near(word: str, other: str) -> str:
    """SQL: ``word`` is within a typo of ``other``, the two words of a name or address.

    Jaro-Winkler 0.88 takes a letter changed, dropped or swapped (also early: Msith / Smith)
    and a truncation (Jess / Jessica); one edit (Levenshtein) also takes a letter changed,
    dropped or added early in a word (Kmith / Smith), but only in words of four letters or
    more: among short Chinese syllables one edit is another name (Man / Wan). Levenshtein, not
    Damerau-Levenshtein: Jaro-Winkler already takes the swaps, and DuckDB's
    Damerau-Levenshtein is ten times slower, which tripled the time of a FEBRL4 run (every
    random pair that estimates u is compared word by word).
    """
    return (
        f"({word} = {other} OR jaro_winkler_similarity({word}, {other}) >= 0.88 OR "
        f"(least(length({word}), length({other})) >= 4 AND levenshtein({word}, {other}) <= 1))"
    )


def _near_words(side: str, other: str) -> str:
    """Words of ``side``'s name (as written) within a typo of a word of the other name."""
    return (
        f"len(list_filter(nm_tok_{side}, lambda t: "
        f"len(list_filter(nm_tok_{other}, lambda u: {_near('t', 'u')})) > 0))"
    )


#: Names that agree whole are weighed by how common the name is (term frequency of the name
#: signature ``nm_sig``): "Siti" on two records says less than "Sulastri".
_NAME_FREQUENCY: dict[str, Any] = {
    "tf_adjustment_column": "nm_sig",
    "disable_tf_exact_match_detection": True,
}


class HongKongNameComparison(ComparisonCreator):
    """Names in any romanisation, script or order, syllable by syllable."""

    def __init__(self) -> None:
        super().__init__("nm_keys")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        a, b = _agreeing("l", "r"), _agreeing("r", "l")
        fa, fb = _fuzzy("l", "r"), _fuzzy("r", "l")
        la, lb = "nm_len_l", "nm_len_r"
        wa, wb = _near_words("l", "r"), _near_words("r", "l")
        words_a, words_b = "len(nm_tok_l)", "len(nm_tok_r)"
        return [
            # nm_flat is named outside a lambda so that Splink's SQL parser sees the column.
            CustomLevel("nm_flat_l IS NULL OR nm_flat_r IS NULL").configure(is_null_level=True),
            CustomLevel(
                f"{a} = {la} AND {b} = {lb} AND least({la}, {lb}) >= 2", "all syllables agree"
            ),
            # Strictly shorter: the agreeing syllables are counted against the other name's
            # keys, not matched one to one, so a name with a repeated syllable (``Rosalie
            # Pascual Pascual``) would otherwise sit "within" one that differs in a name
            # (``Rosalie Gonzales Pascual``).
            CustomLevel(
                f"(({a} = {la} AND {la} < {lb}) OR ({b} = {lb} AND {lb} < {la})) "
                f"AND least({a}, {b}) >= 2",
                "one name within the other",
            ),
            CustomLevel(
                f"({fa} >= {la} AND {fb} >= {lb} AND least({la}, {lb}) >= 2) OR "
                f"({wa} = {words_a} AND {wb} = {words_b} AND least({words_a}, {words_b}) >= 2)",
                "all agree, allowing spelling variants or typos",
            ),
            CustomLevel(f"greatest({fa}, {fb}) >= 2", "two or more agree"),
            CustomLevel(
                f"({a} = {la} AND {la} = 1) OR ({b} = {lb} AND {lb} = 1)", "single name agrees"
            ).configure(**_NAME_FREQUENCY),
            CustomLevel("list_has_any(nm_aka_l, nm_aka_r)", "alias or nickname agrees"),
            CustomLevel(f"greatest({fa}, {fb}) >= 1", "one syllable agrees"),
            # A word typed wrong breaks all its syllable keys (Smith / Simth, Jessica / Jess):
            # weaker than a syllable that agrees, stronger than nothing.
            CustomLevel(f"greatest({wa}, {wb}) >= 1", "one word within a typo"),
            # A one-word name that disagrees is often a nickname or working name ("Joy",
            # "Bella"): weaker evidence against a match than two full names that disagree.
            CustomLevel(f"least({la}, {lb}) = 1", "one-word name disagrees"),
            ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "name"


class BirthComparison(ComparisonCreator):
    """Date of birth, partial dates, day/month swaps, and birth years implied by an age."""

    def __init__(self) -> None:
        super().__init__("by_lo")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        return [
            CustomLevel("by_lo_l IS NULL OR by_lo_r IS NULL").configure(is_null_level=True),
            CustomLevel("dob_l = dob_r", "same date"),
            CustomLevel(
                "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
                "day and month swapped",
            ),
            CustomLevel(
                "dob_y_l = dob_y_r AND dob_m_l = dob_m_r AND "
                "(dob_d_l IS NULL OR dob_d_r IS NULL OR abs(dob_d_l - dob_d_r) <= 2)",
                "same month, day missing or close",
            ),
            CustomLevel(
                "dob_y_l = dob_y_r AND (dob_m_l IS NULL OR dob_m_r IS NULL)",
                "same year, month missing",
            ),
            CustomLevel(
                "damerau_levenshtein(dob_digits_l, dob_digits_r) <= 1",
                "one digit typed wrong or two swapped",
            ),
            # Two full dates in the same year that differ (not a swap, not a near day) say
            # more against a match than an age that fits: kept apart from the next level.
            CustomLevel("dob_y_l = dob_y_r", "same year, different date"),
            CustomLevel("by_lo_l <= by_hi_r AND by_lo_r <= by_hi_l", "birth years consistent"),
            CustomLevel("by_lo_l <= by_hi_r + 3 AND by_lo_r <= by_hi_l + 3", "within three years"),
            ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "birth"


class ExactComparison(ComparisonCreator):
    """Agree / disagree on one normalised column (phone, document, sex, citizenship)."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(column)

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        c = self.column
        return [
            CustomLevel(f"{c}_l IS NULL OR {c}_r IS NULL").configure(is_null_level=True),
            CustomLevel(f"{c}_l = {c}_r", "same"),
            ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return self.column


class AddressComparison(ComparisonCreator):
    """An address as one comparison (its parts change together), when lists record one.

    ``address`` is not a record-standard column; a list that keeps one passes it through and
    it is used. Comparing number, street and district separately would break the conditional
    independence the model assumes.
    """

    def __init__(self) -> None:
        super().__init__("addr")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        overlap = (
            "len(list_intersect(addr_tokens_l, addr_tokens_r)) / "
            "greatest(len(addr_tokens_l), len(addr_tokens_r))"
        )
        # Tokens within a typo of one on the other side: a street name or suburb typed
        # wrong breaks exact token overlap. Tried only where a fifth of the tokens are shared
        # (every FEBRL4 match at this level shares a quarter or more), so that the random
        # pairs that estimate u, nine in ten sharing less, skip the token-by-token test:
        # without this a FEBRL4 run took 40 % longer.
        near = (
            "len(list_filter(addr_tokens_l, lambda t: "
            f"len(list_filter(addr_tokens_r, lambda u: {_near('t', 'u')})) > 0)) / "
            "greatest(len(addr_tokens_l), len(addr_tokens_r))"
        )
        return [
            CustomLevel("addr_l IS NULL OR addr_r IS NULL").configure(is_null_level=True),
            CustomLevel("addr_l = addr_r", "same"),
            CustomLevel("jaro_winkler_similarity(addr_l, addr_r) >= 0.95", "Jaro-Winkler >= 0.95"),
            CustomLevel(f"{overlap} >= 0.6", "most tokens shared"),
            CustomLevel(f"{overlap} >= 0.2 AND {near} >= 0.6", "most tokens within a typo"),
            CustomLevel(f"{overlap} >= 0.3", "some tokens shared"),
            ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "address"


def _agreeing_bits(facts: tuple[str, ...]) -> str:
    """SQL: the bits of the case facts that agree (each the smaller of the two records'
    figures, as the two records' citizenship groups may differ; see ``_features._bits``)."""
    return " + ".join(
        f"(CASE WHEN cf_{f}_l = cf_{f}_r THEN least(cfb_{f}_l, cfb_{f}_r) ELSE 0 END)"
        for f in facts
    )


def _differing(facts: tuple[str, ...]) -> str:
    """SQL: how many case facts differ (no code in common; a code set that only partly
    agrees, ``sexual`` against ``sexual;forced_labour``, is neither agreement nor difference)."""
    return " + ".join(
        f"(CASE WHEN NOT list_has_any(cf_{f}_l, cf_{f}_r) THEN 1 ELSE 0 END)" for f in facts
    )


class CaseFactComparison(ComparisonCreator):
    """The case facts (district, venue, exploitation, recruitment, ...) as one comparison.

    The facts go together (a domestic worker's venue is a private home, her recruitment an
    agency), so they are one comparison, not one each: levels by how much agrees (the bits
    of the agreeing values, rare values saying more) and how many facts differ. A differing
    fact is evidence against a match, never a veto: organisations record facts differently
    (a person moves district, one list writes the venue another way), so the trained m of
    the levels where facts differ is held up to :data:`FLOOR_BITS` (see
    :func:`darkfigure.link._model._floor_m`).
    """

    def __init__(self) -> None:
        super().__init__("cf_district")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        given = " OR ".join(f"(cf_{f}_l IS NOT NULL AND cf_{f}_r IS NOT NULL)" for f in CASE_FACTS)
        bits, differ = f"({_agreeing_bits(CASE_FACTS)})", f"({_differing(CASE_FACTS)})"
        return [
            # No fact recorded on both records: nothing to compare.
            CustomLevel(f"NOT ({given})").configure(is_null_level=True),
            CustomLevel(f"{differ} = 0 AND {bits} >= 6", "agree, 6 bits or more, none differs"),
            CustomLevel(f"{differ} = 0 AND {bits} >= 3", "agree, 3 to 6 bits, none differs"),
            CustomLevel(f"{differ} = 0", "none differs"),
            CustomLevel(f"{differ} = 1", ONE_FACT_DIFFERS),
            ElseLevel().configure(label_for_charts=FACTS_DIFFER),
        ]

    def create_output_column_name(self) -> str:
        return "case_facts"


class ControlComparison(ComparisonCreator):
    """The means of control (debt, passport taken, threats to call the police, ...).

    Each organisation records the part of them the person told it, so two records of one
    person list overlapping sets more often than the same set; the levels are by the share
    of the codes in common (of all the codes either lists). ``none`` (asked, none reported)
    is a code like the others.
    """

    def __init__(self) -> None:
        super().__init__(CONTROL)

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        left, right = f"{CONTROL}_l", f"{CONTROL}_r"
        shared = f"len(list_intersect({left}, {right}))"
        return [
            CustomLevel(f"{left} IS NULL OR {right} IS NULL").configure(is_null_level=True),
            CustomLevel(f"{left} = {right}", "the same means"),
            CustomLevel(
                f"2 * {shared} >= len({left}) + len({right}) - {shared}", "half or more shared"
            ),
            CustomLevel(f"list_has_any({left}, {right})", "some shared"),
            ElseLevel().configure(label_for_charts=NONE_SHARED),
        ]

    def create_output_column_name(self) -> str:
        return "means_of_control"


class DateIdentifiedComparison(ComparisonCreator):
    """Days between the two records' dates of identification.

    One person's records fall within her time in exploitation, and one organisation refers
    her to another within days (police to a shelter, a shelter to her consulate); two people
    are met at unrelated times. Full dates only (a month or a year alone is left out).
    """

    def __init__(self) -> None:
        super().__init__("ident_day")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        gap = "abs(ident_day_l - ident_day_r)"
        within = (
            (3, "within three days"),
            (7, "within a week"),
            (14, "within two weeks"),
            (30, "within a month"),
            (61, "within two months"),
            (91, "within three months"),
            (182, "within six months"),
        )
        return [
            CustomLevel("ident_day_l IS NULL OR ident_day_r IS NULL").configure(is_null_level=True),
            *(CustomLevel(f"{gap} <= {days}", label) for days, label in within),
            ElseLevel().configure(label_for_charts=FAR_APART),
        ]

    def create_output_column_name(self) -> str:
        return "date_identified"


#: Labels of the levels where two records differ in what happened to the person or when.
ONE_FACT_DIFFERS = "one fact differs"
FACTS_DIFFER = "two or more facts differ"
NONE_SHARED = "none shared"
FAR_APART = "more than six months apart"

#: The most each level where records differ may count against a match (bits), by comparison
#: and level. EM on lists that record facts alike, or on a few hundred records where no match
#: happens to be met twice six months apart, learns that no match ever differs (m -> 0), and
#: one differing venue or date would then outweigh a name, an age and a phone. Real
#: organisations write facts differently, and a person can be met in January and again in
#: November.
FLOOR_BITS = {
    ("case_facts", ONE_FACT_DIFFERS): 3.0,
    ("case_facts", FACTS_DIFFER): 5.0,
    ("means_of_control", NONE_SHARED): 3.0,
    ("date_identified", FAR_APART): 5.0,
}


def all_comparisons(
    *, address: bool = False, case_facts: bool = False, date_identified: bool = False
) -> list[ComparisonCreator]:
    """The comparisons of the case-record model, in chart order."""
    comparisons: list[ComparisonCreator] = [
        HongKongNameComparison(),
        BirthComparison(),
        ExactComparison("sex"),
        ExactComparison("citizenship"),
        ExactComparison("phone"),
        ExactComparison("document"),
    ]
    if case_facts:
        comparisons += [CaseFactComparison(), ControlComparison()]
    if date_identified:
        comparisons.append(DateIdentifiedComparison())
    if address:
        comparisons.append(AddressComparison())
    return comparisons
