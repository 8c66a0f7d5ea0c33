"""Name forms: each generator produces the variants it claims; the tables are right."""

from __future__ import annotations

import numpy as np
import opencc
import pytest
from pypinyin import Style, pinyin

from darkfigure.simulate import _names as nm


def _index(pool: tuple[object, ...], value: object) -> int:
    return pool.index(value)


def _render(
    culture: str,
    sex: str,
    parts: tuple[int, int, int, int, int],
    style: str,
    variant: float = 0.0,
    simplified: bool = False,
) -> tuple[str, ...]:
    p = nm.NameParts(
        np.array([culture], dtype=object),
        np.array([sex], dtype=object),
        *(np.array([x], dtype=np.int64) for x in parts),
    )
    out = nm.render(p, np.array([style], dtype=object), np.array([variant]), simplified=simplified)
    return (out.family_name[0], out.given_name[0], out.full_name[0], out.name_zh[0], out.alias[0])


def test_chinese_tables_agree_with_pypinyin_and_opencc() -> None:
    to_simplified = opencc.OpenCC("t2s")
    for row in nm._ZH_SURNAMES + nm._ZH_GIVEN_F + nm._ZH_GIVEN_M:
        trad, simp, py = row[0], row[1], row[2]
        readings = set(pinyin(trad, style=Style.NORMAL, heteronym=True)[0])
        assert py in readings, (trad, py, readings)
        assert to_simplified.convert(trad) == simp


CHEN = _index(tuple(r[0] for r in nm._ZH_SURNAMES), "陳")
XIAO = _index(tuple(r[0] for r in nm._ZH_GIVEN_F), "小")
MEI = _index(tuple(r[0] for r in nm._ZH_GIVEN_F), "美")
MANDY = _index(nm._EN_GIVEN_F, "Mandy")


def test_mainland_names() -> None:
    parts = (CHEN, XIAO, MEI, -1, 0)
    assert _render("mainland", "F", parts, "document") == ("CHEN", "XIAOMEI", "", "陈小美", "")
    # Heard by a Cantonese speaker: Hong Kong romanisation, or spaced pinyin.
    assert _render("mainland", "F", parts, "heard", 0.1)[:2] == ("Chan", "Siu Mei")
    assert _render("mainland", "F", parts, "heard", 0.9)[:2] == ("Chen", "Xiao Mei")
    assert _render("mainland", "F", parts, "heard", 0.9, simplified=True)[3] == "陈小美"
    assert _render("mainland", "F", parts, "nickname", 0.1)[2] == "Ah Mei"
    work = _render("mainland", "F", parts, "nickname", 0.9)
    assert work[2] == work[4] == nm._WORK_NAMES[0]


def test_hong_kong_names() -> None:
    with_english = (CHEN, XIAO, MEI, MANDY, 0)
    assert _render("hongkong", "F", with_english, "document")[:4] == (
        "CHAN",
        "SIU MEI MANDY",
        "",
        "陳小美",
    )
    assert _render("hongkong", "F", with_english, "heard", 0.1)[:2] == ("Chan", "Mandy")
    without = (CHEN, XIAO, MEI, -1, 0)
    assert _render("hongkong", "F", without, "heard", 0.1)[:2] == ("Chan", "Siu-mei")
    # One surname in five is misheard: Chan -> Chun.
    assert _render("hongkong", "F", without, "heard", 0.9)[0] == "Chun"
    single = (CHEN, XIAO, -1, -1, 0)
    assert _render("hongkong", "F", single, "document")[:2] == ("CHAN", "SIU")


def test_filipino_names() -> None:
    parts = (
        _index(nm._PH_GIVEN, "Maria Cristina"),
        _index(nm._PH_SURNAMES, "Reyes"),
        _index(nm._PH_SURNAMES, "Dela Cruz"),
        -1,
        0,
    )
    assert _render("filipino", "F", parts, "document")[:2] == ("Dela Cruz", "Maria Cristina Reyes")
    assert _render("filipino", "F", parts, "heard", 0.1)[:2] == ("DelaCruz", "Ma. Cristina")
    assert _render("filipino", "F", parts, "heard", 0.9)[:2] == ("DelaCruz", "Ma. Cristina R.")


def test_indonesian_names() -> None:
    single = (_index(nm._ID_NAMES_F, "Suharti"), -1, -1, -1, 0)
    assert _render("indonesian", "F", single, "document")[:2] == ("", "SUHARTI")
    assert _render("indonesian", "F", single, "heard")[:2] == ("Suharti", "")
    double = (_index(nm._ID_NAMES_F, "Siti"), _index(nm._ID_SECOND, "Aminah"), -1, -1, 0)
    assert _render("indonesian", "F", double, "document")[:2] == ("", "SITI AMINAH")
    assert _render("indonesian", "F", double, "heard")[:2] == ("Aminah", "Siti")


def test_vietnamese_names() -> None:
    parts = (0, 0, 0, -1, 0)  # Nguyễn Thị Lan
    assert _render("vietnamese", "F", parts, "document")[:2] == ("NGUYEN", "THI LAN")
    assert _render("vietnamese", "F", parts, "heard", 0.1)[2] == "Lan Nguyen"
    assert _render("vietnamese", "F", parts, "heard", 0.9)[2] == "Nguyễn Thị Lan"


def test_spanish_names() -> None:
    parts = (0, 0, 1, -1, 0)  # María José García López
    assert _render("spanish", "F", parts, "document")[:2] == ("García López", "María José")
    assert _render("spanish", "F", parts, "heard")[:2] == ("Garcia", "Maria Jose")
    assert _render("spanish", "F", parts, "nickname")[2] == "Maria"


@pytest.mark.parametrize(
    ("culture", "sex", "given", "document", "heard", "surname"),
    [
        ("russian", "F", 0, ("IVANOVA", "IULIIA"), ("Ivanova", "Julia"), 0),
        ("ukrainian", "F", 1, ("SHEVCHENKO", "OLHA"), ("Shevtchenko", "Olga"), 2),
        ("russian", "M", len(nm._CY_GIVEN_F), ("IVANOV", "SERGEI"), ("Ivanov", "Sergey"), 0),
    ],
)
def test_cyrillic_transliterations(
    culture: str,
    sex: str,
    given: int,
    document: tuple[str, str],
    heard: tuple[str, str],
    surname: int,
) -> None:
    parts = (given, surname, -1, -1, 0)
    assert _render(culture, sex, parts, "document")[:2] == document
    assert _render(culture, sex, parts, "heard")[:2] == heard


def test_thai_and_african_names() -> None:
    thai = (_index(tuple(r[0] for r in nm._TH_GIVEN_F), "Siriporn"), 0, -1, -1, 0)
    assert _render("thai", "F", thai, "document")[:2] == ("Srisuk", "Siriporn")
    assert _render("thai", "F", thai, "heard")[:2] == ("Srisook", "Siriphon")
    african = (0, 0, -1, -1, 0)  # Grace Okafor
    assert _render("african", "F", african, "document")[:2] == ("OKAFOR", "GRACE")
    assert _render("african", "F", african, "heard", 0.1)[:2] == ("Grace", "Okafor")
    assert _render("african", "F", african, "heard", 0.9)[:2] == ("Okafor", "Grace")


def test_draw_parts_covers_every_culture_and_renders_non_empty_names() -> None:
    rng = np.random.default_rng(0)
    culture = np.array(list(nm.CULTURES) * 200, dtype=object)
    sex = np.where(rng.random(len(culture)) < 0.8, "F", "M").astype(object)
    parts = nm.draw_parts(rng, culture, sex)
    for style in nm.STYLES:
        out = nm.render(
            parts,
            np.full(len(culture), style, dtype=object),
            rng.random(len(culture)),
            simplified=False,
        )
        written = (out.family_name != "") | (out.given_name != "") | (out.full_name != "")
        assert written.all(), style
    chinese = np.isin(culture, ["hongkong", "mainland"])
    document = nm.render(
        parts,
        np.full(len(culture), "document", dtype=object),
        np.zeros(len(culture)),
        simplified=False,
    )
    assert (document.name_zh[chinese] != "").all()
    assert (document.name_zh[~chinese] == "").all()
