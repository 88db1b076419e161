"""Personal data: masking for staff screens (138****1234) and redaction for the public (the disclosure policy).

``mask_*`` keep enough of a value for a member of staff to recognise it; ``redact`` is the ONE function
that removes personal data from free text before anything leaves for the public (Open311, the follow
page, public pages): mobile and landline numbers, resident ID numbers, bank cards, e-mails, plate
numbers, house/room numbers and personal names. ``coarse_address`` and ``coarse_point`` make a place
no finer than its road or community. ``bench/redaction_recall.py`` measures the recall on real messages.
"""

import re

from django.conf import settings

# --- masking (staff screens) ---------------------------------------------------------------------


def mask_mobile(value: str) -> str:
    value = value or ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_resident_id(value: str) -> str:
    value = value or ""
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_bank_account(value: str) -> str:
    """6222 **** **** 1234 → only the last four digits stay (the bank's own receipts do the same)."""
    value = (value or "").replace(" ", "")
    if len(value) < 8:
        return "*" * len(value)
    return f"{'*' * (len(value) - 4)}{value[-4:]}"


MASKS = {"mobile": mask_mobile, "resident_id": mask_resident_id, "bank_account": mask_bank_account}


def mask(kind: str, value: str) -> str:
    try:
        return MASKS[kind](value)
    except KeyError:
        raise ValueError(f"unknown kind of personal data: {kind}") from None


# --- redaction (public outputs) ------------------------------------------------------------------

# The replacement marks say what was removed, so a reader knows text is missing and why.
PHONE_MARK = "[电话]"
ID_MARK = "[身份证号]"
CARD_MARK = "[卡号]"
EMAIL_MARK = "[邮箱]"
PLATE_MARK = "[车牌]"
HOUSE_MARK = "××号"

_NOT_DIGIT_BEFORE = r"(?<![0-9０-９A-Za-z])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"
_SEP = r"[\s\-—－]{0,3}"  # people type "0757 - 8300 1234" and even "0735---3323506"

# Full-width digits (４３０３…) are read as digits: people type them, and a pattern must not miss them.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# A long number already partly starred by its writer (4303221956****): the visible part still goes.
_PARTLY_STARRED = re.compile(r"(?<![0-9A-Za-z])\d{6,}\*{3,}[\dXx*]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+*\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# 18-digit resident ID (the last may be X) and the old 15-digit one.
_RESIDENT_ID = re.compile(_NOT_DIGIT_BEFORE + r"(?:\d{17}[\dXx]|\d{15})" + r"(?![0-9A-Za-z])")
# Bank cards: 16–19 digits, often written in groups of four.
_BANK_CARD = re.compile(
    _NOT_DIGIT_BEFORE + r"\d{4}(?:[\s\-]?\d{4}){2}[\s\-]?\d{4}(?:[\s\-]?\d{1,3})?" + _NOT_DIGIT_AFTER
)
# Mobile numbers, with an optional +86 and separators as people type them: 138 0013 8000, 138-0013-8000.
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:\+?86[\s\-]?)?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _NOT_DIGIT_AFTER
)
# Landlines with an area code (0757-83001234, (0757)8300 1234), and 7–8 digit numbers after a phone word.
_LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:[(（]0\d{2,3}[)）]|0\d{2,3})" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}" + _NOT_DIGIT_AFTER
)
_PHONE_AFTER_WORD = re.compile(
    r"((?:电话|手机|座机|号码|联系方式|致电|拨打|tel|Tel|TEL)[:：\s是为]{0,3})(\d{7,8})" + _NOT_DIGIT_AFTER
)
# Plate numbers: 粤E·12345, 粤E12345, 粤E12345D (new-energy plates have six characters after the letter).
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"[{_PROVINCES}][A-HJ-NP-Z][·•.\s]?[A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警]" + r"(?![A-Za-z0-9])")
# House, building and room numbers: 18号, 3栋, 2单元, 301室, 3-201, 十八号. Not a document (〔2019〕30号文),
# a decree (583号令), a metro line (3号线), a counter (3号窗口) or a day of the month (3月5号).
_CN_NUM = "一二三四五六七八九十百千零〇两"
_HOUSE_UNIT = r"(?:号楼|号院|号|栋|幢|座|单元|室|楼|层)"
_HOUSE = re.compile(
    rf"(?<![0-9０-９{_CN_NUM}月〔〕\[\]【】（）()年第])(?:[0-9０-９]+(?:[\-－之][0-9０-９]+)*[A-Za-z]?"
    + r"[ \t]?"  # "218 号", "5 栋": people put a space in
    + _HOUSE_UNIT
    # In words, only a number's own units: "一座山", "三层楼" count things, "十八号" is a door.
    + rf"|[{_CN_NUM}]+(?:号楼|号院|号|栋|幢|单元|室))"
    + r"(?![令文线窗件字])"
)
# 3-201: a block and a room, not a range of amounts or dates (100-200元, 9-12月).
_FLAT = re.compile(
    _NOT_DIGIT_BEFORE + r"\d{1,3}-\d{3,4}(?:室|房)?" + r"(?![0-9０-９.%％元万千百米亿年月日天号时分秒岁个人户亩平公])"
)

# Personal names: after a word that introduces one, or a surname with a form of address.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "区麦冼岑霍甘欧柯温聂利易"
)
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|司徒"
_HAN = r"[\u4e00-\u9fa5]"
_NAME_AFTER_WORD = re.compile(
    r"((?:我叫|我是|本人|名叫|叫做|姓名|联系人|户主|业主|当事人|投诉人|举报人|申请人|收款人|签名)[:：\s为是]{0,2})"
    rf"((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]){_HAN}{{1,2}})"
)
_NAME_WITH_TITLE = re.compile(
    rf"((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]))({_HAN}{{1,2}})(?=先生|女士|小姐|师傅|老师|阿姨|大爷|大妈|同志|老板|医生|经理)"
)
# A name opening a clause before what the person did: "。李明反映…", "，王建国投诉…".
_NAME_BEFORE_VERB = re.compile(
    rf"((?:^|[。！？；，、：:\s“\"（(]))((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]){_HAN}{{1,2}})"
    r"(?=反映|投诉|举报|来电|来信|称|表示|说)"
)
# Words that follow a surname character but are not given names ("王女士" stays: it names nobody).
_NOT_GIVEN_NAMES = frozenset({"女", "先", "小", "师", "老", "阿", "大", "同", "医", "经"})


def _name_redacted(match: re.Match) -> str:
    intro, name = match.group(1), match.group(2)
    surname = next((s for s in _COMPOUND_SURNAMES.split("|") if name.startswith(s)), name[0])
    return f"{intro}{surname}某"


def _titled_name_redacted(match: re.Match) -> str:
    surname, given = match.group(1), match.group(2)
    if given[0] in _NOT_GIVEN_NAMES:
        return match.group(0)
    return f"{surname}某"


# Two characters that open a clause and look like a name but are words ("市民反映" starts with no surname).
_TITLES = frozenset({"先生", "女士", "小姐", "师傅", "老师", "阿姨", "大爷", "大妈", "同志", "老板", "医生", "经理",
                     "总", "姐", "哥", "叔", "伯", "婆", "工"})
_NOT_NAMES = frozenset({"何时", "黄色", "白天", "金额", "高度", "方面", "石头", "孔子", "江边", "林地", "马路", "余下"})


def _clause_name_redacted(match: re.Match) -> str:
    before, name = match.group(1), match.group(2)
    surname = next((s for s in _COMPOUND_SURNAMES.split("|") if name.startswith(s)), name[0])
    if name in _NOT_NAMES or "某" in name or name[len(surname):] in _TITLES:
        return match.group(0)
    return f"{before}{surname}某"


def redact(text: str) -> str:
    """``text`` with personal data replaced by marks: the one function every public output uses."""
    if not text:
        return text or ""
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _RESIDENT_ID.sub(ID_MARK, text)
    text = _PARTLY_STARRED.sub(ID_MARK, text)
    text = _BANK_CARD.sub(CARD_MARK, text)
    text = _MOBILE.sub(PHONE_MARK, text)
    text = _LANDLINE.sub(PHONE_MARK, text)
    text = _PHONE_AFTER_WORD.sub(lambda m: m.group(1) + PHONE_MARK, text)
    text = _PLATE.sub(PLATE_MARK, text)
    text = _FLAT.sub(HOUSE_MARK, text)
    text = _HOUSE.sub(HOUSE_MARK, text)
    text = _NAME_AFTER_WORD.sub(_name_redacted, text)
    text = _NAME_WITH_TITLE.sub(_titled_name_redacted, text)
    text = _NAME_BEFORE_VERB.sub(_clause_name_redacted, text)
    return text


# An address is cut before its first house number: "祖庙路18号3楼" → "祖庙路".
_ADDRESS_DETAIL = re.compile(
    rf"[0-9０-９]|[{_CN_NUM}]+{_HOUSE_UNIT}|[A-Za-z]\d|(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])某"
)


def coarse_address(address: str) -> str:
    """The address no finer than its road or community."""
    if not address:
        return ""
    match = _ADDRESS_DETAIL.search(address)
    kept = address[: match.start()] if match else address
    return redact(kept.rstrip(" ,，、-—()（）第"))


def coarse_point(lat: float | None, lng: float | None) -> tuple[float | None, float | None]:
    """A point rounded to ``MINSHENG_DISCLOSURE_COORDINATE_DECIMALS`` places (2 ≈ 1 km): a neighbourhood, not a door."""
    if lat is None or lng is None:
        return None, None
    places = settings.MINSHENG_DISCLOSURE_COORDINATE_DECIMALS
    return round(lat, places), round(lng, places)
