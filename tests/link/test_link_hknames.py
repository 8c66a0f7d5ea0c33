"""Hong Kong name keys: the same surname in characters, pinyin and Cantonese meets; others don't."""

import pytest

from darkfigure.link._hknames import hk_spellings, name_keys, romanised_keys, segment

# (traditional, simplified, pinyin, Hong Kong government spellings)
SURNAMES = [
    ("陳", "陈", "chen", ["chan"]),
    ("張", "张", "zhang", ["cheung", "cheong"]),
    ("吳", "吴", "wu", ["ng"]),
    ("黃", "黄", "huang", ["wong"]),
    ("李", "李", "li", ["lee", "li"]),
    ("劉", "刘", "liu", ["lau"]),
    ("周", "周", "zhou", ["chow", "chau"]),
    ("曾", "曾", "zeng", ["tsang"]),
    ("葉", "叶", "ye", ["yip", "ip"]),
    ("郭", "郭", "guo", ["kwok"]),
    ("梁", "梁", "liang", ["leung"]),
    ("謝", "谢", "xie", ["tse"]),
    ("何", "何", "he", ["ho"]),
    ("楊", "杨", "yang", ["yeung"]),
    ("林", "林", "lin", ["lam"]),
    ("徐", "徐", "xu", ["tsui", "chui"]),
    ("蔡", "蔡", "cai", ["choi", "tsoi"]),
    ("鄭", "郑", "zheng", ["cheng"]),
    ("馮", "冯", "feng", ["fung"]),
    ("孫", "孙", "sun", ["suen", "sun"]),
    ("許", "许", "xu", ["hui"]),
    ("羅", "罗", "luo", ["law", "lo"]),
    ("麥", "麦", "mai", ["mak"]),
    ("鄧", "邓", "deng", ["tang"]),
    ("袁", "袁", "yuan", ["yuen"]),
    ("朱", "朱", "zhu", ["chu"]),
]


@pytest.mark.parametrize(("trad", "simp", "pinyin", "hk"), SURNAMES)
def test_surname_keys_meet_across_scripts_and_systems(trad, simp, pinyin, hk):
    keys = [name_keys([], trad)[0], name_keys([], simp)[0], romanised_keys(pinyin)]
    keys += [romanised_keys(s) for s in hk]
    for a in keys:
        for b in keys:
            assert a & b


def test_jyutping_rule_table():
    assert {"chan"} <= hk_spellings("can4")
    assert {"cheung", "cheong"} <= hk_spellings("zoeng1")
    assert hk_spellings("ng4") == {"ng"}
    assert {"yip", "ip"} <= hk_spellings("jip6")
    assert {"tsui", "chui"} <= hk_spellings("ceoi4")
    assert {"yuen"} <= hk_spellings("jyun4")
    assert {"sze"} <= hk_spellings("si1")
    assert {"lee"} <= hk_spellings("lei5")
    assert hk_spellings("xyz") == frozenset()


def _all_agree(a, b):
    flat_a = set().union(*a)
    flat_b = set().union(*b)
    return all(k & flat_b for k in a) and all(k & flat_a for k in b)


def test_same_person_across_systems_and_forms():
    forms = [
        name_keys(["CHEN", "Xiaomei"]),
        name_keys(["Chan", "Siu Mei"]),
        name_keys(["Chan", "Siu-mei"]),
        name_keys(["Chan", "Siumei"]),
        name_keys([], "陳小美"),
        name_keys([], "陈小美"),
        name_keys(["Siu Mei Chan"]),
    ]
    for a in forms:
        for b in forms:
            assert _all_agree(a, b)


def test_chan_wai_man_is_chen_weiwen_but_not_chan_wai_ming():
    man = name_keys(["Chan", "Wai Man"])
    assert _all_agree(man, name_keys(["Chen", "Weiwen"]))
    assert not _all_agree(man, name_keys(["Chan", "Wai Ming"]))


def test_wu_does_not_meet_wong():
    assert not romanised_keys("wu") & romanised_keys("wong")
    assert not name_keys([], "吳")[0] & name_keys([], "黃")[0]


def test_english_name_is_kept_beside_chinese():
    keys = name_keys(["Chan", "Mandy Siu Mei"])
    assert frozenset({"mandy"}) in keys
    assert len(keys) == 4


def test_ah_diminutive_dropped():
    assert len(name_keys(["Ah Mei"])) == 1
    assert name_keys(["Ah Mei"])[0] & name_keys([], "美")[0]


def test_segmentation():
    assert segment("siumei") == ("siu", "mei")
    assert segment("xiaomei") == ("xiao", "mei")
    assert segment("kaming") == ("ka", "ming")
    assert segment("cristina") == ("cristina",)
    assert segment("mei") == ("mei",)


def test_non_chinese_tokens_kept_whole():
    keys = name_keys(["Maria Santos"], chinese=False)
    assert keys == (frozenset({"maria"}), frozenset({"santos"}))
