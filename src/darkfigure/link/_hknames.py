"""Hong Kong names: one person, many spellings, compared syllable by syllable.

陳小美 is ``Chan Siu Mei`` on a Hong Kong identity card (Cantonese, Hong Kong government
romanisation), ``Chen Xiaomei`` on a Mainland document (Mandarin pinyin), ``Siu-mei`` or
``Siumei`` in a clerk's hands, and ``Ah Mei`` on a hotline. String similarity ranks a different
person (``Chan Wai Ming``) above the same person in pinyin (``Chen Weiwen`` for ``Chan Wai Man``).

What works is a *set of keys per syllable*: the canonical key is the toneless Mandarin pinyin
syllable of a character. A character gives its pinyin readings; a romanised syllable gives
itself (when it is valid pinyin) plus the pinyin of every common name character that the Hong
Kong government romanisation would spell that way. Two syllables agree when their key sets
intersect: ``chan`` → {chan, chen, can, ...} meets ``chen`` → {chen} through 陳; ``cheung`` and
``cheong`` both reach ``zhang`` through 張; ``ng`` reaches ``wu`` through 吳.

The Jyutping → Hong Kong spelling table (:data:`_INITIALS`, :data:`_FINALS`) is ours, written from
the government's usage on identity cards; the readings come from ``pypinyin`` (Mandarin) and
``pycantonese`` (Jyutping; loaded once, on first use, ~3 s), after ``OpenCC`` converts simplified
characters to traditional. Everything runs offline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache

__all__ = [
    "NameKeys",
    "char_keys",
    "foreign_words",
    "hk_spellings",
    "is_han",
    "looks_chinese",
    "name_keys",
    "name_tokens",
    "romanised_keys",
    "segment",
]

#: One name: a key set per syllable (or per non-Chinese token), in recorded order.
NameKeys = tuple[frozenset[str], ...]

# Common Hong Kong and Mainland surname characters (traditional), then common given-name
# characters. The reverse index (romanised syllable -> pinyin keys) is built from these only:
# with every rare character of the same sound, ``man`` would reach dozens of pinyin syllables
# and different people would agree by accident.
_SURNAME_CHARS = (
    "陳李張黃王劉林吳何梁郭羅楊鄭謝周許蔡葉曾鄧馮麥蘇盧蔣朱胡高彭余潘譚袁唐莫姚杜"
    "徐孫馬黎趙鍾韓吕呂鄺顏賴區甘冼岑邱丘溫龔嚴鄒魏伍湯孔程方袁石戴范傅宋金沈賀"
    "文關薛江洪白尹崔莊凌翁湛雷巫柯辛伍卓祁施侯陸姜彭樊董葛簡熊歐司徒歐陽上官欧"
    "任韋車翟連阮閆易霍萬符招容倫謝聶龐鮑全郝史邵毛廖邢駱蒙利游勞布水談聞"
)
_GIVEN_CHARS = (
    "小美偉文明華國強志嘉家健俊傑子玉芳麗敏慧靜秀英珍婷雅麗琳詩欣穎怡佩淑惠蓮鳳"
    "燕霞紅梅蘭娟霞萍潔瑩儀妍琪欣曉思雪月春秋冬夏安寧宇浩然天成德輝耀榮光永昌興"
    "生兒仔賢達權才寶銀金鈺晶凱豪傑雄威武恆振東南西北中山海江河水雲峰林森立新建"
    "軍平和順利福祿壽喜樂君婉嫻婧晴雯霖瑤璐潤澤彬斌倩蕙薇萱琦碧芬芝茵菁蓓蕾莉娜"
    "妮婕媚嬌姿容素淑貞慈愛心恩惠善仁義禮智信忠孝勇毅剛柏松楓桂菊荷蓉翠綠青藍彩"
    "鳴鵬鶴龍虎麟鳳鸞飛翔宏偉博大廣遠長久亮輝煌燦爛秀麗嫦娥珊瑚琴瑟詠詩韻樂歡笑"
    "笑佳銘鋒鈞錦綺紫嘉玲瑋瑞祥禎祺禧福蔚藹艷紅麗玫瑰梓桐楠樺曼蔓萬民聞敏銘鳴"
    "少正志雄家豪子健偉業俊輝國權振邦嘉欣詠儀美玲淑芬惠珍凱琳靜怡曉彤穎琛卓爾"
    "自力耀祖宗漢基祥亨泰康樂添財旺發富貴堅固積積學文武德順昇陞朗晉彥軒逸皓晞"
)

# Surnames whose reading differs from the character's usual one.
_SURNAME_READINGS = {
    "曾": "zeng",
    "單": "shan",
    "區": "ou",
    "仇": "qiu",
    "解": "xie",
    "樂": "yue",
    "查": "zha",
    "繆": "miao",
    "覃": "qin",
    "朴": "piao",
    "沈": "shen",
    "尉": "yu",
    "蓋": "ge",
    "華": "hua",
    "任": "ren",
    "長": "chang",
}

# Jyutping initial -> Hong Kong government spellings. ``z``/``c`` are written ch or ts (張
# Cheung, 曾 Tsang, 謝 Tse), ``j`` is y (楊 Yeung), ``gw``/``kw`` kw (關 Kwan), ``s`` also sh
# before some finals (石 Shek, 岑 Shum).
_INITIALS: dict[str, tuple[str, ...]] = {
    "": ("",),
    "b": ("p",),
    "p": ("p",),
    "m": ("m",),
    "f": ("f",),
    "d": ("t",),
    "t": ("t",),
    "n": ("n", "l"),
    "l": ("l",),
    "g": ("k",),
    "k": ("k",),
    "ng": ("ng", ""),
    "h": ("h",),
    "gw": ("kw",),
    "kw": ("kw",),
    "w": ("w",),
    "z": ("ch", "ts", "j"),
    "c": ("ch", "ts"),
    "s": ("s", "sh"),
    "j": ("y",),
}

# Jyutping final -> Hong Kong government spellings (陳 can -> chan, 張 zoeng -> cheung/cheong,
# 徐 ceoi -> tsui/chui, 孫 syun -> suen/sun, 周 zau -> chau/chow, 李 lei -> lee/li, 蘇 sou -> so).
_FINALS: dict[str, tuple[str, ...]] = {
    "aa": ("a", "ah"),
    "aai": ("ai",),
    "aau": ("au", "ow"),
    "aam": ("am",),
    "aan": ("an",),
    "aang": ("ang",),
    "aap": ("ap",),
    "aat": ("at",),
    "aak": ("ak",),
    "ai": ("ai",),
    "au": ("au", "ow"),
    "am": ("am", "um"),
    "an": ("an", "un"),
    "ang": ("ang",),
    "ap": ("ap",),
    "at": ("at",),
    "ak": ("ak",),
    "e": ("e",),
    "ei": ("ei", "ee", "i"),
    "eu": ("eu",),
    "em": ("em",),
    "eng": ("eng", "ing"),
    "ek": ("ek",),
    "ep": ("ep",),
    "i": ("i", "ee"),
    "ip": ("ip",),
    "it": ("it",),
    "ik": ("ik",),
    "im": ("im",),
    "in": ("in",),
    "ing": ("ing",),
    "iu": ("iu",),
    "o": ("o", "oh", "aw"),
    "oi": ("oi", "oy"),
    "on": ("on",),
    "ong": ("ong",),
    "ot": ("ot",),
    "ok": ("ok",),
    "ou": ("o", "ou"),
    "oe": ("oe",),
    "oeng": ("eung", "eong"),
    "oek": ("euk", "eok"),
    "eoi": ("ui", "eui", "ue"),
    "eon": ("un", "eun"),
    "eot": ("ut",),
    "u": ("u", "oo"),
    "ui": ("ui", "ooi"),
    "un": ("un", "oon"),
    "ung": ("ung",),
    "uk": ("uk",),
    "ut": ("ut",),
    "yu": ("u", "yu", "ue"),
    "yun": ("un", "uen", "yun"),
    "yut": ("ut", "uet"),
    "m": ("m",),
    "ng": ("ng",),
}

_JYUTPING = re.compile(r"^(gw|kw|ng|[bpmfdtnlgkhwzcsj])?([a-z]+?)([1-6])?$")


def hk_spellings(jyutping: str) -> frozenset[str]:
    """Hong Kong government romanisations of one Jyutping syllable.

    Examples
    --------
    >>> sorted(hk_spellings("can4"))
    ['chan', 'chun', 'tsan', 'tsun']
    >>> sorted(hk_spellings("zoeng1"))
    ['cheong', 'cheung', 'jeong', 'jeung', 'tseong', 'tseung']
    >>> sorted(hk_spellings("ng4"))
    ['ng']
    >>> sorted(hk_spellings("jip6"))
    ['ip', 'yip']
    """
    jyutping = jyutping.strip().lower().rstrip("123456")
    if jyutping in ("ng", "m"):
        return frozenset({jyutping})  # 吳 ng4, 唔 m4: syllabic nasals
    match = _JYUTPING.match(jyutping)
    if match is None:
        return frozenset()
    initial, final = match.group(1) or "", match.group(2)
    if initial == "ng" and final not in _FINALS:
        return frozenset()
    finals = _FINALS.get(final)
    if finals is None:
        return frozenset()
    out: set[str] = set()
    for ini in _INITIALS[initial]:
        for fin in finals:
            if initial == "j" and fin.startswith(("y", "u")) and final in ("yu", "yun", "yut"):
                out.add("y" + fin.lstrip("y"))  # 余 jyu -> yu/yue, 袁 jyun -> yuen
                continue
            out.add(ini + fin)
    if initial == "j" and final == "ip":
        out.add(final)  # 葉 jip -> Ip as well as Yip
    if initial in ("z", "c", "s") and final == "i":
        stem = {"z": ("tsz", "chi", "tsze"), "c": ("tsz", "chi", "tsze"), "s": ("sze", "sz", "see")}
        out.update(stem[initial])  # 志 Chi / Tsz, 詩 Sze
    return frozenset(out)


def is_han(ch: str) -> bool:
    """Whether ``ch`` is a CJK ideograph."""
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"


@cache
def _opencc_s2hk() -> object:
    from opencc import OpenCC

    return OpenCC("s2hk")


def _traditional(text: str) -> str:
    return str(_opencc_s2hk().convert(text))  # type: ignore[attr-defined]


@lru_cache(maxsize=65536)
def _pinyin_readings(ch: str, count: int) -> frozenset[str]:
    """The first ``count`` toneless readings (pypinyin lists the most common first).

    Rare heteronyms are left out on purpose: 吳 also reads ``yu`` and ``tun`` in old texts, and
    with them ``Wu`` would meet ``Wong`` (王 has a rare ``yu`` too).
    """
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]
    plain = [r.replace("ü", "v") for r in readings if r.isascii() and r.isalpha()]
    return frozenset(plain[:count])


@lru_cache(maxsize=65536)
def _jyutping_readings(ch: str) -> tuple[str, ...]:
    import pycantonese

    out: list[str] = []
    for _chars, jp in pycantonese.characters_to_jyutping(ch):
        if jp:
            out.extend(jp.split())
    return tuple(out)


@lru_cache(maxsize=65536)
def char_keys(ch: str, *, surname: bool = False) -> frozenset[str]:
    """The key set of one Chinese character (either script): its main toneless pinyin reading.

    A surname character also gets its surname reading where that differs (曾 Zeng, not ceng;
    單 Shan, not dan; 區 Ou, not qu), from :data:`_SURNAME_READINGS`.

    Examples
    --------
    >>> sorted(char_keys("陈")), sorted(char_keys("陳"))
    (['chen'], ['chen'])
    >>> sorted(char_keys("曾", surname=True))
    ['ceng', 'zeng']
    """
    trad = _traditional(ch)
    keys = _pinyin_readings(trad, 1) | _pinyin_readings(ch, 1)
    extra = _SURNAME_READINGS.get(trad) if surname else None
    return keys | {extra} if extra else keys


@cache
def _pinyin_syllables() -> frozenset[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    out: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFKD", reading)
            plain = "".join(c for c in plain if c.isascii() and c.isalpha()).lower()
            if plain:
                out.add(plain.replace("u\u0308", "v"))
    # pypinyin writes ü with a diaeresis that NFKD splits into u + combining mark; both lü and
    # lv/lu are in use on documents.
    return frozenset(out)


@cache
def _reverse_index() -> dict[str, frozenset[str]]:
    """Hong Kong romanised syllable -> pinyin keys of the common name characters spelled so."""
    index: dict[str, set[str]] = {}
    surnames = set(_SURNAME_CHARS)
    for ch in dict.fromkeys(_SURNAME_CHARS + _GIVEN_CHARS):
        keys = char_keys(ch, surname=ch in surnames)
        for jp in _jyutping_readings(_traditional(ch)):
            for spelling in hk_spellings(jp):
                index.setdefault(spelling, set()).update(keys)
    return {spelling: frozenset(keys) for spelling, keys in index.items()}


@cache
def _lexicon() -> frozenset[str]:
    return _pinyin_syllables() | frozenset(_reverse_index())


def is_syllable(token: str) -> bool:
    """Whether ``token`` is a pinyin syllable or a Hong Kong spelling of a name character."""
    return token in _lexicon()


@lru_cache(maxsize=262144)
def romanised_keys(syllable: str) -> frozenset[str]:
    """The key set of one romanised syllable, whichever system wrote it.

    Examples
    --------
    >>> "chen" in romanised_keys("chan") and "chen" in romanised_keys("chen")
    True
    >>> bool(romanised_keys("cheung") & romanised_keys("zhang"))
    True
    >>> bool(romanised_keys("ng") & romanised_keys("wu"))
    True
    >>> bool(romanised_keys("man") & romanised_keys("ming"))
    False
    """
    syllable = syllable.lower()
    keys = set(_reverse_index().get(syllable, ()))
    if syllable in _pinyin_syllables():
        keys.add(syllable)
    if syllable.endswith("u") and syllable[:-1] + "v" in _pinyin_syllables():
        keys.add(syllable[:-1] + "v")  # lu / lü / lv
    return frozenset(keys) if keys else frozenset({syllable})


@lru_cache(maxsize=262144)
def segment(token: str) -> tuple[str, ...]:
    """Split a joined romanised given name into syllables (``siumei`` -> ``siu``, ``mei``).

    A token that is itself a syllable, or that does not split wholly into 2-4 known syllables of
    two or more letters, is returned unchanged: ``maria`` and ``santos`` stay whole. Among
    splits, the one with the fewest syllables wins, then the one with the longest first syllable.

    Examples
    --------
    >>> segment("siumei"), segment("xiaomei"), segment("weiwen"), segment("santos")
    (('siu', 'mei'), ('xiao', 'mei'), ('wei', 'wen'), ('santos',))
    """
    if len(token) < 4 or is_syllable(token):
        return (token,)
    lexicon = _lexicon()
    best: dict[int, tuple[str, ...] | None] = {len(token): ()}
    for start in range(len(token) - 1, -1, -1):
        options = []
        for end in range(len(token), start + 1, -1):
            piece, rest = token[start:end], best.get(end)
            if rest is not None and piece in lexicon:
                options.append((piece, *rest))
        best[start] = min(options, key=len) if options else None
    result = best[0]
    if result is None or not 2 <= len(result) <= 4:
        return (token,)
    return result


@cache
def _surname_spellings() -> frozenset[str]:
    """Every pinyin and Hong Kong spelling of the common surname characters."""
    out: set[str] = set()
    for ch in _SURNAME_CHARS:
        out |= char_keys(ch, surname=True)
        for jp in _jyutping_readings(_traditional(ch)):
            out |= hk_spellings(jp)
    return frozenset(out)


def foreign_words(romanised: Iterable[str]) -> int:
    """How many words of a romanised name are neither a Chinese syllable nor a run of them.

    Examples
    --------
    >>> foreign_words(["Chan", "Siu Mei Mandy"]), foreign_words(["Maria Luisa Bautista"])
    (1, 2)
    """
    return sum(1 for t in name_tokens(romanised) if not (is_syllable(t) or len(segment(t)) > 1))


def looks_chinese(romanised: Iterable[str]) -> bool:
    """Whether a romanised name reads as a Chinese name whatever the record's citizenship says.

    Two or more words, the first or the last a common Chinese surname (pinyin or Hong Kong
    spelling), and every other word a Chinese syllable or a run of them, but for at most one
    (an English given name: ``YEUNG KEI CHING WINNIE``). Lists get citizenship wrong, and
    people of Chinese descent hold other passports; their names are still pinyin or Cantonese.

    Examples
    --------
    >>> looks_chinese(["Zeng", "Hong Feng"]), looks_chinese(["YEUNG", "KEI CHING WINNIE"])
    (True, True)
    >>> looks_chinese(["Santos", "Maria Cristina"]), looks_chinese(["Siti"])
    (False, False)
    """
    tokens = name_tokens(romanised)
    if len(tokens) < 2:
        return False
    surnames = _surname_spellings()
    for surname, rest in ((tokens[0], tokens[1:]), (tokens[-1], tokens[:-1])):
        if surname not in surnames:
            continue
        other = foreign_words(rest)
        if other <= 1 and other < len(rest):
            return True
    return False


_AH = {"ah", "a", "aa"}
_TOKEN = re.compile(r"[a-z]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def name_tokens(romanised: Iterable[str]) -> list[str]:
    """The words of a romanised name as :func:`name_keys` reads them: folded to lower-case
    ASCII letters, a leading diminutive ``Ah`` before a single word dropped.

    Examples
    --------
    >>> name_tokens(["Nguyễn Thị", "Siu-mei"])
    ['nguyen', 'thi', 'siu', 'mei']
    >>> name_tokens(["Ah Mei"])
    ['mei']
    """
    tokens = [t for part in romanised for t in _TOKEN.findall(_fold(part))]
    if len(tokens) == 2 and tokens[0] in _AH:
        tokens = tokens[1:]
    return tokens


def name_keys(
    romanised: Iterable[str],
    characters: str = "",
    *,
    chinese: bool = True,
    canonical: Callable[[str], str] | None = None,
    ambiguous: bool = False,
) -> NameKeys:
    """Key sets for a whole name, one per syllable or token, order kept.

    Parameters
    ----------
    romanised
        Name parts as recorded (family, given, full name), in any order or system.
    characters
        The name in Chinese characters, when recorded (either script).
    chinese
        Whether romanised syllables may be Chinese (pinyin or Cantonese). ``False`` for records
        whose citizenship is known and not Chinese: their tokens are then kept whole.
    canonical
        Token -> canonical spelling for tokens that are not Chinese syllables (the other-name
        normalisers: ``iuliia`` -> ``yulya``); applied to every token when ``chinese`` is false.
    ambiguous
        Nothing says whether the name is Chinese (no citizenship, no characters), or the
        citizenship says it is not but the name looks Chinese (:func:`looks_chinese`): a token
        read as syllables (``Yuliani`` -> yu, lia, ni; ``Rina`` -> ri, na; ``Ngo``) also keeps
        its whole (canonical) spelling as a key of its first syllable, so that it still meets
        the same name read whole on a record that gives a non-Chinese citizenship.

    Notes
    -----
    'Ah' before a single syllable (``Ah Mei``) is a diminutive and is dropped. English given
    names (``Mandy``) are not syllables and are kept as whole-token keys. When characters are
    recorded they decide the syllables; each romanised syllable that agrees with one of them
    adds its keys there, so a person with characters on one list and pinyin on another still
    matches through either.

    Examples
    --------
    >>> a = name_keys(["CHAN", "Siu-mei"])
    >>> b = name_keys(["Chen Xiaomei"])
    >>> len(a), len(b), all(x & y for x, y in zip(a, b))
    (3, 3, True)
    >>> len(name_keys(["Ah Mei"]))   # the diminutive 'Ah' is dropped
    1
    >>> name_keys(["Rina"], chinese=False)[0] <= name_keys(["Rina"], ambiguous=True)[0]
    True
    """
    tokens = name_tokens(romanised)
    roman: list[frozenset[str]] = []
    for token in tokens:
        pieces = segment(token) if chinese else (token,)
        if chinese and (len(pieces) > 1 or is_syllable(token)):
            syllables = [romanised_keys(p) for p in pieces]
            if ambiguous:
                syllables[0] = syllables[0] | {canonical(token) if canonical else token}
            roman.extend(syllables)
        else:
            roman.append(frozenset({canonical(token) if canonical else token}))
    han = [ch for ch in characters if is_han(ch)]
    if not han:
        return tuple(roman)
    out = [char_keys(ch, surname=i == 0) for i, ch in enumerate(han)]
    used: set[int] = set()
    for i, keys in enumerate(out):
        for j, other in enumerate(roman):
            if j not in used and keys & other:
                out[i] = keys | other
                used.add(j)
                break
    # Romanised tokens that matched no character (an English name beside the Chinese one).
    out.extend(other for j, other in enumerate(roman) if j not in used)
    return tuple(out)
