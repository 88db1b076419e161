"""Chinese identifiers with real valid and invalid examples."""

import pytest
from django.core.exceptions import ValidationError

from minsheng.identifiers import (
    is_valid_division_code,
    is_valid_mobile,
    is_valid_resident_id,
    is_valid_uscc,
    resident_id_complete,
    uscc_check_char,
    uscc_complete,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)


@pytest.mark.parametrize("number", ["13800138000", "19912345678", "16600001111", "14712345678"])
def test_valid_mobiles(number):
    assert is_valid_mobile(number)


@pytest.mark.parametrize("number", ["12800138000", "1380013800", "138001380001", "1380013800a", "", "+8613800138000"])
def test_invalid_mobiles(number):
    assert not is_valid_mobile(number)
    with pytest.raises(ValidationError):
        validate_mobile(number)


# The example of GB 11643-1999 itself, and numbers completed with their real check character.
@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", "44060619870101451X"])
def test_valid_resident_ids(number):
    assert is_valid_resident_id(number), number


@pytest.mark.parametrize(
    "number, reason",
    [
        ("110105194912310021", "check"),  # check character wrong
        ("440524188001010014", "year"),  # born 1880: out of range
        ("110105194902300021", "birth"),  # 30 February
        ("990105194912310021", "province"),  # no province 99
        ("11010519491231002", "length"),
        ("1101051949123100XX", "format"),
    ],
)
def test_invalid_resident_ids(number, reason):
    assert not is_valid_resident_id(number)
    with pytest.raises(ValidationError):
        validate_resident_id(number)


def test_resident_id_check_character_follows_mod_11_2():
    assert resident_id_complete("11010519491231002") == "11010519491231002X"


# 91350100M000100Y43 is the code printed as the example of GB 32100-2015's check character.
@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", uscc_complete("91440604MA4UXXXX0"), uscc_complete("12440600007194811")]
)
def test_valid_unified_social_credit_codes(code):
    assert is_valid_uscc(code), code


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y42",  # check character wrong
        "91350100M000100Y4",  # 17 characters
        "91350100M000I00Y43",  # I is not in the alphabet
        "Z1350100M000100Y43",  # no registering authority Z
        "97350100M000100Y43",  # 市场监管 registers no kind 7
        "91990100M000100Y43",  # no province 99
        "",
    ],
)
def test_invalid_unified_social_credit_codes(code):
    assert not is_valid_uscc(code)
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_uscc_check_character_of_the_standard_example():
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", ["440600", "440604", "440604010", "440604010001", "110000"])
def test_valid_division_codes(code):
    assert is_valid_division_code(code)


@pytest.mark.parametrize("code", ["44060", "4406041", "990600", "440005", "44a604", ""])
def test_invalid_division_codes(code):
    assert not is_valid_division_code(code)
