"""Synthetic names and the forms in which different organisations write them down.

Every pool below was written for this project: common surnames and given-name elements of each
naming culture, combined at random, so a generated name is a plausible name and not a record
of anyone. A person's name is stored as integer *parts* (indices into the pools of their
culture); :func:`render` turns parts into the strings one organisation would write, in one of
three *styles*:

``document``
    as on the person's identity document: Mainland pinyin (``CHEN`` / ``XIAOMEI``) with
    simplified characters; Hong Kong identity-card romanisation (``CHAN`` / ``SIU MEI``) with
    traditional characters; Filipino given name with the middle name (``Maria Cristina Reyes``);
    Indonesian single names with no family name; Vietnamese family-first without diacritics;
    Spanish double surnames; ICAO transliterations of Cyrillic (``Iuliia``, ``Olha``).
``heard``
    as written by someone who heard it: a Mainland name in Cantonese romanisation (``Chan Siu
    Mei``) or spaced pinyin, English given names (``Mandy Chan``), hyphenated or misheard
    Cantonese (``Siu-mei``, ``Chun``), ``Ma.`` for Maria and the middle name dropped or cut to
    an initial, an Indonesian single name put in the family-name field, Vietnamese in Western
    order (``Lan Nguyen``) or with diacritics kept, the first Spanish surname only and without
    accents, common English spellings of Cyrillic names (``Julia``, ``Olga``), African names in
    swapped order, Thai spelling variants (``Somchai`` / ``Somchay``).
``nickname``
    a single ``full_name`` such as ``Ah Mei``, ``Ploy`` or ``Katya`` (hotlines, online work).

All functions are vectorised over people: pools are NumPy object arrays indexed by part arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["CULTURES", "STYLES", "NameParts", "draw_parts", "render"]

StrArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]

STYLES = ("document", "heard", "nickname")

# --- Chinese: (traditional, simplified, pinyin, HK government romanisation, a misheard spelling)
_ZH_SURNAMES = (
    ("陳", "陈", "chen", "chan", "chun"),
    ("黃", "黄", "huang", "wong", "wang"),
    ("李", "李", "li", "lee", "lei"),
    ("張", "张", "zhang", "cheung", "chang"),
    ("梁", "梁", "liang", "leung", "liang"),
    ("林", "林", "lin", "lam", "lum"),
    ("劉", "刘", "liu", "lau", "lao"),
    ("王", "王", "wang", "wong", "wang"),
    ("吳", "吴", "wu", "ng", "eng"),
    ("何", "何", "he", "ho", "hoh"),
    ("周", "周", "zhou", "chow", "chau"),
    ("鄭", "郑", "zheng", "cheng", "ching"),
    ("楊", "杨", "yang", "yeung", "young"),
    ("謝", "谢", "xie", "tse", "che"),
    ("郭", "郭", "guo", "kwok", "kwock"),
    ("羅", "罗", "luo", "law", "lo"),
    ("馮", "冯", "feng", "fung", "foong"),
    ("曾", "曾", "zeng", "tsang", "chang"),
    ("蔡", "蔡", "cai", "choi", "tsoi"),
    ("徐", "徐", "xu", "tsui", "chui"),
    ("麥", "麦", "mai", "mak", "mack"),
    ("朱", "朱", "zhu", "chu", "chue"),
    ("胡", "胡", "hu", "wu", "woo"),
    ("盧", "卢", "lu", "lo", "low"),
    ("趙", "赵", "zhao", "chiu", "chew"),
    ("鄧", "邓", "deng", "tang", "tong"),
    ("葉", "叶", "ye", "yip", "ip"),
    ("蘇", "苏", "su", "so", "soh"),
    ("許", "许", "xu", "hui", "hoi"),
    ("孫", "孙", "sun", "suen", "shuen"),
)
# Rough frequency weights (the first few surnames dominate in Hong Kong): an assumption.
_ZH_SURNAME_WEIGHTS = (
    10,
    7,
    6,
    5,
    4,
    4,
    4,
    4,
    3,
    3,
    3,
    3,
    3,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    2,
    1,
    1,
    1,
)
# Given-name characters: (traditional, simplified, pinyin, HK romanisation); female then male.
_ZH_GIVEN_F = (
    ("小", "小", "xiao", "siu"),
    ("美", "美", "mei", "mei"),
    ("麗", "丽", "li", "lai"),
    ("玲", "玲", "ling", "ling"),
    ("芳", "芳", "fang", "fong"),
    ("婷", "婷", "ting", "ting"),
    ("慧", "慧", "hui", "wai"),
    ("敏", "敏", "min", "man"),
    ("嘉", "嘉", "jia", "ka"),
    ("欣", "欣", "xin", "yan"),
    ("詩", "诗", "shi", "sze"),
    ("雅", "雅", "ya", "nga"),
    ("穎", "颖", "ying", "wing"),
    ("琪", "琪", "qi", "kei"),
    ("秀", "秀", "xiu", "sau"),
    ("英", "英", "ying", "ying"),
    ("鳳", "凤", "feng", "fung"),
    ("燕", "燕", "yan", "yin"),
    ("紅", "红", "hong", "hung"),
    ("霞", "霞", "xia", "ha"),
    ("靜", "静", "jing", "ching"),
    ("潔", "洁", "jie", "kit"),
    ("月", "月", "yue", "yuet"),
    ("雪", "雪", "xue", "suet"),
)
_ZH_GIVEN_M = (
    ("偉", "伟", "wei", "wai"),
    ("文", "文", "wen", "man"),
    ("明", "明", "ming", "ming"),
    ("志", "志", "zhi", "chi"),
    ("強", "强", "qiang", "keung"),
    ("建", "建", "jian", "kin"),
    ("國", "国", "guo", "kwok"),
    ("華", "华", "hua", "wah"),
    ("俊", "俊", "jun", "chun"),
    ("家", "家", "jia", "ka"),
    ("傑", "杰", "jie", "kit"),
    ("浩", "浩", "hao", "ho"),
)
_EN_GIVEN_F = (
    "Mandy",
    "Cindy",
    "Carmen",
    "Winnie",
    "Karen",
    "Joyce",
    "Vivian",
    "Phoebe",
    "Queenie",
    "Ivy",
    "Crystal",
    "Candy",
    "Jessica",
    "Kitty",
    "Fiona",
    "Gigi",
)
_EN_GIVEN_M = ("Kelvin", "Ken", "Eric", "Jason", "Alan", "Raymond", "Tony", "Wilson")
# Working names used in the trade and online (a nickname style for Chinese and others).
_WORK_NAMES = (
    "Lily",
    "Coco",
    "Angel",
    "Bella",
    "Candy",
    "Momo",
    "Yoyo",
    "Jenny",
    "Sweetie",
    "Kiki",
)

# --- Filipino
_PH_GIVEN_F = (
    "Maria Cristina",
    "Maria Luisa",
    "Maria Theresa",
    "Rosalie",
    "Jennifer",
    "Lovely",
    "Mary Jane",
    "Analyn",
    "Marites",
    "Jocelyn",
    "Rowena",
    "Divina",
    "Evangeline",
    "Maricel",
)
_PH_GIVEN_M = ("Jose Mari", "Ronaldo", "Jomar", "Rey", "Noel", "Mark Anthony")
_PH_SURNAMES = (
    "Dela Cruz",
    "Santos",
    "Reyes",
    "Garcia",
    "Mendoza",
    "Bautista",
    "Castillo",
    "Flores",
    "Gonzales",
    "Navarro",
    "Pascual",
    "Soriano",
    "Ocampo",
    "Villanueva",
    "Aquino",
    "Ramos",
)
_PH_NICKNAMES = ("Tin", "Weng", "Joy", "Len", "Bing", "Tess", "Cha", "Marj", "Lyn", "Bhing")

# --- Indonesian: single names and two-part names
_ID_NAMES_F = (
    "Suharti",
    "Sumiati",
    "Wartini",
    "Karsih",
    "Sulastri",
    "Rukmini",
    "Tumini",
    "Darsih",
    "Yuliani",
    "Muryani",
    "Sutinah",
    "Parmi",
    "Siti",
    "Sri",
    "Nur",
    "Rina",
    "Ani",
    "Tri",
)
_ID_SECOND = ("Aminah", "Rahayu", "Hidayah", "Kartika", "Wulandari", "Lestiani", "Maryati")
_ID_NAMES_M = ("Sutrisno", "Budi", "Agus", "Slamet", "Joko", "Wahyu")
_ID_NICKNAMES = ("Tini", "Yanti", "Ani", "Wati", "Sum", "Yuli", "Tuti", "Ning")

# --- Thai: (passport spelling, another common spelling)
_TH_GIVEN_F = (
    ("Siriporn", "Siriphon"),
    ("Nattaya", "Nuttaya"),
    ("Pornthip", "Ponthip"),
    ("Wanida", "Vanida"),
    ("Kanokwan", "Ganokwan"),
    ("Supaporn", "Suphaphon"),
    ("Achara", "Atchara"),
    ("Ratana", "Rattana"),
    ("Jintana", "Chintana"),
    ("Malee", "Mali"),
    ("Duangjai", "Duangchai"),
    ("Sukanya", "Sukunya"),
)
_TH_GIVEN_M = (("Somchai", "Somchay"), ("Prasert", "Prasoet"), ("Wichai", "Vichai"))
_TH_SURNAMES = (
    ("Srisuk", "Srisook"),
    ("Thongchai", "Tongchai"),
    ("Saelim", "Sae-lim"),
    ("Chaiyaporn", "Chaiyaphon"),
    ("Boonmee", "Bunmi"),
    ("Kaewkla", "Kaeokla"),
    ("Phromma", "Promma"),
    ("Sukprasert", "Sukprasoet"),
    ("Wongsawat", "Vongsawat"),
    ("Rattanakorn", "Rattanakon"),
)
_TH_NICKNAMES = ("Ploy", "Nong", "Fon", "Noi", "Lek", "Nok", "Pim", "Am", "Bee", "Mint")

# --- Vietnamese: (without diacritics, with diacritics)
_VN_FAMILY = (
    ("Nguyen", "Nguyễn"),
    ("Tran", "Trần"),
    ("Le", "Lê"),
    ("Pham", "Phạm"),
    ("Hoang", "Hoàng"),
    ("Vu", "Vũ"),
    ("Dang", "Đặng"),
    ("Bui", "Bùi"),
    ("Do", "Đỗ"),
    ("Ngo", "Ngô"),
)
_VN_MIDDLE_F = (("Thi", "Thị"), ("Ngoc", "Ngọc"), ("Thu", "Thu"))
_VN_MIDDLE_M = (("Van", "Văn"), ("Duc", "Đức"))
_VN_GIVEN_F = (
    ("Lan", "Lan"),
    ("Huong", "Hương"),
    ("Mai", "Mai"),
    ("Linh", "Linh"),
    ("Trang", "Trang"),
    ("Hoa", "Hoa"),
    ("Anh", "Anh"),
    ("Phuong", "Phương"),
    ("Thao", "Thảo"),
    ("Hanh", "Hạnh"),
)
_VN_GIVEN_M = (("Minh", "Minh"), ("Hung", "Hùng"), ("Tuan", "Tuấn"))

# --- Spanish (South America): (with accents, without)
_ES_GIVEN_F = (
    ("María José", "Maria Jose"),
    ("Ana María", "Ana Maria"),
    ("Daniela", "Daniela"),
    ("Valentina", "Valentina"),
    ("Camila", "Camila"),
    ("Luisa Fernanda", "Luisa Fernanda"),
    ("Paola", "Paola"),
    ("Andrea", "Andrea"),
    ("Carolina", "Carolina"),
    ("Juliana", "Juliana"),
)
_ES_GIVEN_M = (("José Luis", "Jose Luis"), ("Andrés", "Andres"), ("Carlos", "Carlos"))
_ES_SURNAMES = (
    ("García", "Garcia"),
    ("López", "Lopez"),
    ("Rodríguez", "Rodriguez"),
    ("Martínez", "Martinez"),
    ("Gómez", "Gomez"),
    ("Hernández", "Hernandez"),
    ("Díaz", "Diaz"),
    ("Torres", "Torres"),
    ("Ramírez", "Ramirez"),
    ("Vargas", "Vargas"),
    ("Castro", "Castro"),
    ("Rojas", "Rojas"),
)

# --- Cyrillic: (Russian ICAO passport, Ukrainian ICAO passport, common English, diminutive)
_CY_GIVEN_F = (
    ("Iuliia", "Iuliia", "Julia", "Yulya"),
    ("Olga", "Olha", "Olga", "Olya"),
    ("Nataliia", "Nataliia", "Natalia", "Natasha"),
    ("Ekaterina", "Kateryna", "Katerina", "Katya"),
    ("Anastasiia", "Anastasiia", "Anastasia", "Nastya"),
    ("Tatiana", "Tetiana", "Tatyana", "Tanya"),
    ("Svetlana", "Svitlana", "Svetlana", "Sveta"),
    ("Irina", "Iryna", "Irina", "Ira"),
    ("Kseniia", "Kseniia", "Ksenia", "Ksyusha"),
    ("Elena", "Olena", "Yelena", "Lena"),
)
_CY_GIVEN_M = (
    ("Sergei", "Serhii", "Sergey", "Seryozha"),
    ("Aleksandr", "Oleksandr", "Alexander", "Sasha"),
)
# Surnames are written in their female form for women; (ICAO, common English) female/male.
_CY_SURNAMES_F = (
    ("Ivanova", "Ivanova"),
    ("Kovalenko", "Kovalenko"),
    ("Shevchenko", "Shevtchenko"),
    ("Petrova", "Petrova"),
    ("Smirnova", "Smirnova"),
    ("Kuznetsova", "Kuznetzova"),
    ("Sokolova", "Sokolova"),
    ("Bondarenko", "Bondarenko"),
    ("Morozova", "Morozova"),
    ("Zhukova", "Jukova"),
    ("Kravchenko", "Kravtchenko"),
)
_CY_SURNAMES_M = (
    ("Ivanov", "Ivanov"),
    ("Kovalenko", "Kovalenko"),
    ("Shevchenko", "Shevtchenko"),
    ("Petrov", "Petrov"),
    ("Smirnov", "Smirnov"),
    ("Kuznetsov", "Kuznetzov"),
    ("Sokolov", "Sokolov"),
    ("Bondarenko", "Bondarenko"),
    ("Morozov", "Morozov"),
    ("Zhukov", "Jukov"),
    ("Kravchenko", "Kravtchenko"),
)

# --- African (Nigeria, Uganda, Kenya): English-language given names and local surnames
_AF_GIVEN_F = (
    "Grace",
    "Blessing",
    "Joy",
    "Faith",
    "Esther",
    "Mercy",
    "Patience",
    "Florence",
    "Agnes",
    "Sarah",
    "Precious",
    "Gift",
)
_AF_GIVEN_M = ("Emmanuel", "Samuel", "Godwin", "Moses")
_AF_SURNAMES = (
    "Okafor",
    "Adeyemi",
    "Nakato",
    "Namubiru",
    "Achieng",
    "Wanjiru",
    "Okonkwo",
    "Nabirye",
    "Eze",
    "Otieno",
    "Nansubuga",
    "Chukwu",
)

CULTURES = (
    "hongkong",
    "mainland",
    "filipino",
    "indonesian",
    "thai",
    "vietnamese",
    "spanish",
    "russian",
    "ukrainian",
    "african",
)


def _pool(values: tuple[str, ...] | list[str]) -> StrArray:
    """An object array with a trailing empty string, so index ``-1`` means "no such part"."""
    return np.array([*values, ""], dtype=object)


def _col(rows: tuple[tuple[str, ...], ...], j: int) -> list[str]:
    return [row[j] for row in rows]


def _upper(pool: StrArray) -> StrArray:
    return np.array([s.upper() for s in pool], dtype=object)


def _title(pool: StrArray) -> StrArray:
    return np.array([s.title() for s in pool], dtype=object)


def _join(*parts: StrArray, sep: str = " ") -> StrArray:
    """Join string arrays element-wise with ``sep``, skipping empty parts (no double spaces)."""
    out = parts[0].copy()
    for part in parts[1:]:
        glue = np.where((out != "") & (part != ""), sep, "").astype(object)
        out = out + glue + part
    return out


_ZH_GIVEN = _ZH_GIVEN_F + _ZH_GIVEN_M
_Z = {
    "s_trad": _pool(_col(_ZH_SURNAMES, 0)),
    "s_simp": _pool(_col(_ZH_SURNAMES, 1)),
    "s_pinyin": _pool(_col(_ZH_SURNAMES, 2)),
    "s_hk": _pool(_col(_ZH_SURNAMES, 3)),
    "s_heard": _pool(_col(_ZH_SURNAMES, 4)),
    "g_trad": _pool(_col(_ZH_GIVEN, 0)),
    "g_simp": _pool(_col(_ZH_GIVEN, 1)),
    "g_pinyin": _pool(_col(_ZH_GIVEN, 2)),
    "g_hk": _pool(_col(_ZH_GIVEN, 3)),
}
_EN_GIVEN = _pool(_EN_GIVEN_F + _EN_GIVEN_M)
_WORK = _pool(_WORK_NAMES)


@dataclass(frozen=True)
class NameParts:
    """The name of each of ``n`` people as pool indices (``-1``: no such part).

    The meaning of ``a`` … ``e`` depends on the culture (see :func:`draw_parts`); ``sex`` picks
    the surname form for Cyrillic names.
    """

    culture: StrArray
    sex: StrArray
    a: IntArray
    b: IntArray
    c: IntArray
    d: IntArray
    e: IntArray

    def take(self, index: IntArray) -> NameParts:
        """The parts of the people at ``index``."""
        return NameParts(
            *(getattr(self, f)[index] for f in ("culture", "sex", "a", "b", "c", "d", "e"))
        )


def _sexed(rng: np.random.Generator, female: npt.NDArray[np.bool_], n_f: int, n_m: int) -> IntArray:
    """Indices into a pool laid out female-first: ``[0, n_f)`` for women, ``[n_f, n_f+n_m)`` men."""
    u: npt.NDArray[np.float64] = rng.random(len(female))
    index: IntArray = np.where(female, u * n_f, n_f + u * n_m).astype(np.int64)
    return index


def draw_parts(rng: np.random.Generator, culture: StrArray, sex: StrArray) -> NameParts:
    """Draw a synthetic name for every person, from their culture's pools.

    Parameters
    ----------
    rng
        The generator; the draws are a fixed sequence for a fixed culture and sex vector.
    culture
        One of :data:`CULTURES` per person.
    sex
        ``"F"``, ``"M"`` or ``"X"`` per person (``"X"`` draws from the female pools).
    """
    n = len(culture)
    female = sex != "M"
    a, b, c, d, e = (np.full(n, -1, dtype=np.int64) for _ in range(5))
    u: npt.NDArray[np.float64] = rng.random((5, n))

    def pick(size: int, row: int) -> IntArray:
        index: IntArray = (u[row] * size).astype(np.int64)
        return index

    zh = (culture == "hongkong") | (culture == "mainland")
    weights = np.asarray(_ZH_SURNAME_WEIGHTS, dtype=float)
    cdf = np.cumsum(weights / weights.sum())
    a[zh] = np.minimum(np.searchsorted(cdf, u[0][zh], side="right"), len(cdf) - 1)
    nf, nm = len(_ZH_GIVEN_F), len(_ZH_GIVEN_M)
    b[zh] = _sexed(rng, female, nf, nm)[zh]
    c[zh] = _sexed(rng, female, nf, nm)[zh]
    # About one Chinese given name in six has a single character (an assumption).
    c[zh & (u[2] < 1 / 6)] = -1
    hk = culture == "hongkong"
    # Many Hong Kong people also have an English given name (an assumption: half of them).
    english = _sexed(rng, female, len(_EN_GIVEN_F), len(_EN_GIVEN_M))
    d[hk & (u[3] < 0.5)] = english[hk & (u[3] < 0.5)]
    e[zh] = pick(len(_WORK_NAMES), 4)[zh]

    def fill(mask: npt.NDArray[np.bool_], col: IntArray, values: IntArray) -> None:
        col[mask] = values[mask]

    ph = culture == "filipino"
    fill(ph, a, _sexed(rng, female, len(_PH_GIVEN_F), len(_PH_GIVEN_M)))
    fill(ph, b, pick(len(_PH_SURNAMES), 1))
    fill(ph, c, pick(len(_PH_SURNAMES), 2))
    fill(ph, e, pick(len(_PH_NICKNAMES), 4))

    idn = culture == "indonesian"
    fill(idn, a, _sexed(rng, female, len(_ID_NAMES_F), len(_ID_NAMES_M)))
    # Two-part names for about a third (an assumption); single names otherwise.
    two = idn & (u[1] < 1 / 3)
    b[two] = pick(len(_ID_SECOND), 2)[two]
    fill(idn, e, pick(len(_ID_NICKNAMES), 4))

    th = culture == "thai"
    fill(th, a, _sexed(rng, female, len(_TH_GIVEN_F), len(_TH_GIVEN_M)))
    fill(th, b, pick(len(_TH_SURNAMES), 1))
    fill(th, e, pick(len(_TH_NICKNAMES), 4))

    vn = culture == "vietnamese"
    fill(vn, a, pick(len(_VN_FAMILY), 0))
    fill(vn, b, _sexed(rng, female, len(_VN_MIDDLE_F), len(_VN_MIDDLE_M)))
    fill(vn, c, _sexed(rng, female, len(_VN_GIVEN_F), len(_VN_GIVEN_M)))

    es = culture == "spanish"
    fill(es, a, _sexed(rng, female, len(_ES_GIVEN_F), len(_ES_GIVEN_M)))
    fill(es, b, pick(len(_ES_SURNAMES), 1))
    fill(es, c, pick(len(_ES_SURNAMES), 2))

    cy = (culture == "russian") | (culture == "ukrainian")
    fill(cy, a, _sexed(rng, female, len(_CY_GIVEN_F), len(_CY_GIVEN_M)))
    fill(cy, b, pick(len(_CY_SURNAMES_F), 1))

    af = culture == "african"
    fill(af, a, _sexed(rng, female, len(_AF_GIVEN_F), len(_AF_GIVEN_M)))
    fill(af, b, pick(len(_AF_SURNAMES), 1))
    return NameParts(culture, sex, a, b, c, d, e)


@dataclass(frozen=True)
class RenderedNames:
    """Name fields as one organisation wrote them ("" where not written)."""

    family_name: StrArray
    given_name: StrArray
    full_name: StrArray
    name_zh: StrArray
    alias: StrArray


def _empty(n: int) -> StrArray:
    return np.full(n, "", dtype=object)


def _zh_given(pool: StrArray, p: NameParts, *, sep: str, cap: str) -> StrArray:
    """A two-syllable given name from two pool entries: ``cap`` = "title", "upper", "first"."""
    if cap == "upper":
        return _join(_upper(pool)[p.b], _upper(pool)[p.c], sep=sep)
    if cap == "title":
        return _join(_title(pool)[p.b], _title(pool)[p.c], sep=sep)
    # "first": only the first syllable capitalised (Xiaomei, Siu-mei).
    return _join(_title(pool)[p.b], pool[p.c], sep=sep)


class _Out:
    """The five name fields for ``n`` people, filled by the culture renderers."""

    def __init__(self, n: int) -> None:
        self.fam, self.giv, self.full, self.zh, self.alias = (_empty(n) for _ in range(5))

    @staticmethod
    def put(mask: npt.NDArray[np.bool_], col: StrArray, values: StrArray) -> None:
        col[mask] = values[mask]


Masks = tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]


def _chinese(p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out) -> None:
    doc, heard, nick = s
    put = o.put
    ml = p.culture == "mainland"
    hk = ~ml
    trad = _join(_Z["s_trad"][p.a], _Z["g_trad"][p.b], _Z["g_trad"][p.c], sep="")
    simp = _join(_Z["s_simp"][p.a], _Z["g_simp"][p.b], _Z["g_simp"][p.c], sep="")
    english = _EN_GIVEN[p.d]
    # document: the identity document's own spelling and script.
    put(doc & ml, o.fam, _upper(_Z["s_pinyin"])[p.a])
    put(doc & ml, o.giv, _zh_given(_Z["g_pinyin"], p, sep="", cap="upper"))
    put(doc & hk, o.fam, _upper(_Z["s_hk"])[p.a])
    put(
        doc & hk,
        o.giv,
        _join(_zh_given(_Z["g_hk"], p, sep=" ", cap="upper"), _upper(_EN_GIVEN)[p.d]),
    )
    put(doc, o.zh, np.where(ml, simp, trad))
    # heard, Mainland person: Cantonese romanisation (60 %) or spaced pinyin.
    canto = heard & ml & (v < 0.6)
    put(canto, o.fam, _title(_Z["s_hk"])[p.a])
    put(canto, o.giv, _zh_given(_Z["g_hk"], p, sep=" ", cap="title"))
    spaced = heard & ml & (v >= 0.6)
    put(spaced, o.fam, _title(_Z["s_pinyin"])[p.a])
    put(spaced, o.giv, _zh_given(_Z["g_pinyin"], p, sep=" ", cap="title"))
    # heard, Hong Kong person: English name if any, else hyphenated; 1 in 5 surnames misheard.
    has_en = english != ""
    put(heard & hk & has_en, o.giv, english)
    put(heard & hk & ~has_en, o.giv, _zh_given(_Z["g_hk"], p, sep="-", cap="first"))
    put(heard & hk & (v < 0.8), o.fam, _title(_Z["s_hk"])[p.a])
    put(heard & hk & (v >= 0.8), o.fam, _title(_Z["s_heard"])[p.a])
    put(heard, o.zh, simp if simplified else trad)
    # nickname: "Ah" + last syllable (Cantonese), or a working name.
    last = np.where(p.c >= 0, _title(_Z["g_hk"])[p.c], _title(_Z["g_hk"])[p.b])
    put(nick & (v < 0.6), o.full, ("Ah " + last).astype(object))
    put(nick & (v >= 0.6), o.full, _WORK[p.e])
    put(nick & (v >= 0.6), o.alias, _WORK[p.e])


_PH_GIVEN = _PH_GIVEN_F + _PH_GIVEN_M


def _filipino(
    p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out
) -> None:
    doc, heard, nick = s
    sur = _pool(_PH_SURNAMES)
    abbreviated = _pool([g.replace("Maria ", "Ma. ", 1) for g in _PH_GIVEN])[p.a]
    initial = _pool([x[:1] + "." for x in _PH_SURNAMES])[p.b]
    o.put(doc, o.fam, sur[p.c])
    o.put(doc, o.giv, _join(_pool(_PH_GIVEN)[p.a], sur[p.b]))
    # heard: compound surnames run together ("Dela Cruz" -> "DelaCruz"), "Ma." for Maria, the
    # middle name dropped or cut to an initial.
    o.put(heard, o.fam, _pool([x.replace(" ", "") for x in _PH_SURNAMES])[p.c])
    o.put(heard & (v < 0.5), o.giv, abbreviated)
    o.put(heard & (v >= 0.5), o.giv, _join(abbreviated, initial))
    o.put(nick, o.full, _pool(_PH_NICKNAMES)[p.e])


def _indonesian(
    p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out
) -> None:
    doc, heard, nick = s
    first = _pool(_ID_NAMES_F + _ID_NAMES_M)[p.a]
    second = _pool(_ID_SECOND)[p.b]
    whole = _join(first, second)
    single = p.b < 0
    o.put(doc, o.giv, _upper(whole))
    # heard: a single name lands in the family-name field; two-part names split Western-style.
    o.put(heard & single, o.fam, whole)
    o.put(heard & ~single, o.fam, second)
    o.put(heard & ~single, o.giv, first)
    o.put(nick, o.full, _pool(_ID_NICKNAMES)[p.e])


def _thai(p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out) -> None:
    doc, heard, nick = s
    given = _TH_GIVEN_F + _TH_GIVEN_M
    o.put(doc, o.giv, _pool(_col(given, 0))[p.a])
    o.put(doc, o.fam, _pool(_col(_TH_SURNAMES, 0))[p.b])
    o.put(heard, o.giv, _pool(_col(given, 1))[p.a])
    o.put(heard, o.fam, _pool(_col(_TH_SURNAMES, 1))[p.b])
    o.put(nick, o.full, _pool(_TH_NICKNAMES)[p.e])
    o.put(nick, o.alias, _pool(_TH_NICKNAMES)[p.e])


def _vietnamese(
    p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out
) -> None:
    doc, heard, nick = s
    mid = _VN_MIDDLE_F + _VN_MIDDLE_M
    given = _VN_GIVEN_F + _VN_GIVEN_M
    fam0, fam1 = _pool(_col(_VN_FAMILY, 0))[p.a], _pool(_col(_VN_FAMILY, 1))[p.a]
    mid0, mid1 = _pool(_col(mid, 0))[p.b], _pool(_col(mid, 1))[p.b]
    giv0, giv1 = _pool(_col(given, 0))[p.c], _pool(_col(given, 1))[p.c]
    o.put(doc, o.fam, _upper(fam0))
    o.put(doc, o.giv, _upper(_join(mid0, giv0)))
    # heard: Western order without diacritics, or the full name with diacritics kept.
    o.put(heard & (v < 0.6), o.full, _join(giv0, fam0))
    o.put(heard & (v >= 0.6), o.full, _join(fam1, mid1, giv1))
    o.put(nick, o.full, giv1)


def _spanish(p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out) -> None:
    doc, heard, nick = s
    given = _ES_GIVEN_F + _ES_GIVEN_M
    accented = _pool(_col(_ES_SURNAMES, 0))
    o.put(doc, o.giv, _pool(_col(given, 0))[p.a])
    o.put(doc, o.fam, _join(accented[p.b], accented[p.c]))
    # heard: the first surname only, without accents.
    o.put(heard, o.giv, _pool(_col(given, 1))[p.a])
    o.put(heard, o.fam, _pool(_col(_ES_SURNAMES, 1))[p.b])
    o.put(nick, o.full, _pool([g.split(" ")[0] for g in _col(given, 1)])[p.a])


def _cyrillic(
    p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out
) -> None:
    doc, heard, nick = s
    given = _CY_GIVEN_F + _CY_GIVEN_M
    male = p.sex == "M"
    ukrainian = p.culture == "ukrainian"
    icao_sur = np.where(
        male, _pool(_col(_CY_SURNAMES_M, 0))[p.b], _pool(_col(_CY_SURNAMES_F, 0))[p.b]
    )
    common_sur = np.where(
        male, _pool(_col(_CY_SURNAMES_M, 1))[p.b], _pool(_col(_CY_SURNAMES_F, 1))[p.b]
    )
    icao_given = np.where(ukrainian, _pool(_col(given, 1))[p.a], _pool(_col(given, 0))[p.a])
    o.put(doc, o.giv, _upper(icao_given.astype(object)))
    o.put(doc, o.fam, _upper(icao_sur.astype(object)))
    o.put(heard, o.giv, _pool(_col(given, 2))[p.a])
    o.put(heard, o.fam, common_sur.astype(object))
    o.put(nick, o.full, _pool(_col(given, 3))[p.a])
    o.put(nick, o.alias, _pool(_col(given, 3))[p.a])


def _african(p: NameParts, s: Masks, v: npt.NDArray[np.float64], simplified: bool, o: _Out) -> None:
    doc, heard, nick = s
    given = _pool(_AF_GIVEN_F + _AF_GIVEN_M)[p.a]
    sur = _pool(_AF_SURNAMES)[p.b]
    o.put(doc, o.giv, _upper(given))
    o.put(doc, o.fam, _upper(sur))
    # heard: about half the time the order is swapped (the surname taken for a given name).
    swapped = heard & (v < 0.5)
    o.put(swapped, o.giv, sur)
    o.put(swapped, o.fam, given)
    o.put(heard & ~swapped, o.giv, given)
    o.put(heard & ~swapped, o.fam, sur)
    o.put(nick, o.full, given)


_RENDERERS = (
    (("hongkong", "mainland"), _chinese),
    (("filipino",), _filipino),
    (("indonesian",), _indonesian),
    (("thai",), _thai),
    (("vietnamese",), _vietnamese),
    (("spanish",), _spanish),
    (("russian", "ukrainian"), _cyrillic),
    (("african",), _african),
)


def render(
    parts: NameParts,
    style: StrArray,
    variant: npt.NDArray[np.float64],
    *,
    simplified: bool,
) -> RenderedNames:
    """Write each person's name in the given style, as one organisation would.

    Parameters
    ----------
    parts
        The people's names (see :func:`draw_parts`).
    style
        One of :data:`STYLES` per person.
    variant
        A uniform number in [0, 1) per person choosing among a style's variants.
    simplified
        The recorder writes Chinese characters it hears in simplified (else traditional)
        script; documents keep their own script (simplified on Mainland documents).

    Returns
    -------
    RenderedNames
        ``name_zh`` is filled for Chinese names in the document and heard styles; whether a
        recorder keeps it is decided by the caller.

    Examples
    --------
    >>> two = np.array(["mainland", "mainland"], dtype=object)
    >>> parts = NameParts(two, np.array(["F", "F"], dtype=object),
    ...                   *(np.array([x, x]) for x in (0, 0, 1, -1, 0)))
    >>> names = render(parts, np.array(["document", "heard"], dtype=object), np.array([0.0, 0.0]),
    ...                simplified=False)
    >>> names.family_name.tolist(), names.given_name.tolist(), names.name_zh.tolist()
    (['CHEN', 'Chan'], ['XIAOMEI', 'Siu Mei'], ['陈小美', '陳小美'])
    """
    n = parts.a.shape[0]
    out = _Out(n)
    for cultures, renderer in _RENDERERS:
        index = np.flatnonzero(np.isin(parts.culture, cultures))
        if index.size == 0:
            continue
        sub = _Out(index.size)
        st = style[index]
        renderer(
            parts.take(index),
            (st == "document", st == "heard", st == "nickname"),
            variant[index],
            simplified,
            sub,
        )
        for field in ("fam", "giv", "full", "zh", "alias"):
            getattr(out, field)[index] = getattr(sub, field)
    return RenderedNames(out.fam, out.giv, out.full, out.zh, out.alias)
