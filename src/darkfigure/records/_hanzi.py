"""Frequent Chinese characters, to tell Big5-HKSCS from GB18030 when both decode a file.

The same bytes often decode in both encodings; decoded with the wrong one, real text becomes a
scatter of rare characters. The list below (written for darkfigure, simplified script) holds
common characters of running text, Hong Kong and Mainland surnames, characters common in given
names, and words seen in case records (districts, forms); :func:`frequent_hanzi` adds the
traditional forms.
"""

from __future__ import annotations

import functools

__all__ = ["frequent_hanzi"]

_SIMPLIFIED = (
    # running text
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对"
    "着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面"
    "又定见只主没公从知使明因全工开头两样现已提手问话外间高正理老机重新部动回力第做长意实相等信关"
    "员业次本真位情西东南北区路电号码身份证月性别男女籍址名司岛湾仔深水埗旺角尖沙咀铜锣荃屯门元朗"
    "田埔贡离葵青观塘仙油龙九界港澳台湾越泰菲律宾印尼缅甸柬埔寨马来西亚斯里兰卡孟加拉巴基坦尼泊尔"
    "护照签注居民工作佣旅客访被害受骗债务威胁逼卖淫劳动强迫扣押证件警察入境处劳工署社会福利保护"
    # surnames
    "陈李张黄王林刘吴杨梁何郭周郑谢罗蔡许曾冯邓叶苏卢彭潘袁萧钟麦莫余邱赖傅朱胡孙徐韩谭廖江汤卓"
    "翁严温石姚鲍甘欧阳司徒岑颜孔宋曹薛范董邹崔阮黎伍丁沈程魏蒋贾谷戴夏邵任姜熊孟秦尹侯白崔龚"
    # given names
    "美玲芳丽华伟志强嘉欣咏诗婷敏慧燕红霞秀英凤萍丹娟静雪梅琳莉雅颖晓宇俊杰豪辉健荣德建平安宁佳"
    "思乐怡珊珍琪瑶婉莹翠碧桂菊春秋冬月云星海山森玉金银宝珠凤莲花芬兰娥妹娣嫦爱淑贞洁清惠芝丽蓉"
    "媚娇巧艳霏倩影妍娜妮嘉雯诗颖琦璇彤晴蕾薇盈洁慧琼燕鸿鹏飞涛波浩然博文武斌彬明亮光辉耀荣伟俊"
)

# Traditional forms OpenCC might not give back, and written Cantonese (係, 嘅, 唔, ...).
_TRADITIONAL_EXTRA = (
    "陳張黃劉楊鄭謝羅許馮鄧葉蘇盧蕭鍾麥賴孫韓譚湯嚴溫鮑歐陽顏鄒龔麗華偉強嘉詠詩"
    "係嘅咗唔喺啲嘢佢哋冇睇咁乜嚟啱揾搵"
)


@functools.cache
def frequent_hanzi() -> frozenset[str]:
    """The frequent characters, in both scripts.

    Examples
    --------
    >>> {"陈", "陳", "的"} <= frequent_hanzi()
    True
    """
    import opencc  # imported here: only needed when a file's bytes fit both encodings

    simplified = set(_SIMPLIFIED)
    traditional = {
        c for config in ("s2hk", "s2t") for c in opencc.OpenCC(config).convert(_SIMPLIFIED)
    }
    traditional |= set(_TRADITIONAL_EXTRA)
    return frozenset(simplified | traditional)
