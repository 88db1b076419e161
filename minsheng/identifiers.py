"""Chinese identifiers with their real check rules.

- mainland mobile numbers (11 digits, 1[3-9]x);
- resident identity numbers, GB 11643-1999 (ISO 7064 MOD 11-2 check character, valid birth date);
- unified social credit codes, GB 32100-2015 (MOD 31 check character over its own 31-letter alphabet);
- administrative division codes, GB/T 2260 (6 digits) and their town (9) and village (12) extensions.

Each ``is_valid_*`` function is pure; each ``validate_*`` raises Django's ValidationError with a
translated message, so forms, API schemas and services share one rule.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# First character: the registering authority; second: the kind of organisation it registers.
USCC_KINDS = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "12345",  # 司法行政
    "4": "19",  # 文化
    "5": "12349",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 市场监管（工商）
    "A": "19",  # 中央军委改革和编制办公室
    "N": "12349",  # 农业
    "Y": "1",  # 其他
}

PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def is_valid_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value or ""))


def resident_id_check_char(body17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(body17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def resident_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-character resident ID, or None when it is."""
    value = (value or "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return str(_("A resident ID number has 17 digits and a final digit or X."))
    if value[:2] not in PROVINCE_CODES:
        return str(_("The first two digits are not a province code."))
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return str(_("The birth date in the number does not exist."))
    if birth.year < 1900 or birth > datetime.date.today():
        return str(_("The birth date in the number is out of range."))
    if resident_id_check_char(value[:17]) != value[17]:
        return str(_("The check character is wrong (GB 11643)."))
    return None


def is_valid_resident_id(value: str) -> bool:
    return resident_id_problem(value) is None


def uscc_check_char(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None when it is."""
    value = (value or "").upper()
    if len(value) != 18 or any(char not in USCC_ALPHABET for char in value):
        return str(_("A unified social credit code has 18 digits or capital letters (not I, O, S, V or Z)."))
    kinds = USCC_KINDS.get(value[0])
    if kinds is None or value[1] not in kinds:
        return str(_("The first two characters are not a known registering authority and organisation kind."))
    if not value[2:8].isdigit() or value[2:4] not in PROVINCE_CODES | {"10"}:
        return str(_("Characters 3 to 8 must be an administrative division code."))
    if uscc_check_char(value[:17]) != value[17]:
        return str(_("The check character is wrong (GB 32100)."))
    return None


def is_valid_uscc(value: str) -> bool:
    return uscc_problem(value) is None


def division_code_problem(value: str) -> str | None:
    """Why ``value`` is not a division code (6, 9 or 12 digits, GB/T 2260 and extensions), or None."""
    value = value or ""
    if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", value):
        return str(_("A division code has 6, 9 or 12 digits."))
    if value[:2] not in PROVINCE_CODES:
        return str(_("The first two digits are not a province code."))
    # A lower level cannot be set under an empty higher one: 44 00 05 is not a county of a city "00".
    if value[2:4] == "00" and value[4:6] != "00":
        return str(_("A county code cannot sit under city code 00."))
    if len(value) > 6 and value[4:6] == "00" and value[2:4] == "00":
        return str(_("A town code needs a county above it."))
    return None


def is_valid_division_code(value: str) -> bool:
    return division_code_problem(value) is None


def validate_mobile(value: str) -> None:
    if not is_valid_mobile(value):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, e.g. 13800138000."), code="invalid_mobile")


def validate_resident_id(value: str) -> None:
    problem = resident_id_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_resident_id")


def validate_uscc(value: str) -> None:
    problem = uscc_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_uscc")


def validate_division_code(value: str) -> None:
    problem = division_code_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_division_code")


def uscc_complete(body17: str) -> str:
    """The full code for 17 given characters: used by generators of demo and benchmark data."""
    return body17 + uscc_check_char(body17)


def resident_id_complete(body17: str) -> str:
    return body17 + resident_id_check_char(body17)
