"""Other naming cultures normalise to one spelling."""

import pytest

from darkfigure.link._names_other import canonical_token, clean_parts


@pytest.mark.parametrize(
    "variants",
    [
        ("olga", "olha"),
        ("yulia", "iuliia", "julia", "yuliya"),
        ("natalia", "nataliia", "natalya"),
        ("kseniia", "ksenia"),
        ("sergei", "serhii", "sergey"),
        ("khrystyna", "kristina"),
        ("siriporn", "siriphon"),
        ("somchai", "somchay"),
        ("thongchai", "tongchai"),
        ("prasert", "prasoet"),
        ("boonmee", "bunmi"),
        ("wongsawat", "vongsawat"),
        ("shevchenko", "shevtchenko"),
        ("zhukova", "jukova"),
    ],
)
def test_variants_share_one_spelling(variants):
    assert len({canonical_token(v) for v in variants}) == 1


@pytest.mark.parametrize(
    ("a", "b"), [("maria", "marta"), ("olga", "olena"), ("ivanova", "petrova")]
)
def test_different_names_stay_apart(a, b):
    assert canonical_token(a) != canonical_token(b)


def test_filipino_and_spanish_parts():
    assert clean_parts(["Ma. Cristina R.", "de la Cruz"]) == ["Maria Cristina", "Cruz"]
    assert clean_parts(["García López"]) == ["García López"]
    assert clean_parts(["bin", ""]) == []


def test_joined_particle():
    assert canonical_token("delacruz") == canonical_token("cruz")
    assert canonical_token("dean") == "dean"
