"""The one redaction function: what the public may read of free text, and coarse places."""

import pytest

from minsheng.audit.personal_data import (
    coarse_address,
    coarse_point,
    mask_bank_account,
    redact,
)


@pytest.mark.parametrize(
    ("personal", "text"),
    [
        ("13912345678", "请联系13912345678处理"),
        ("139 1234 5678", "手机139 1234 5678"),
        ("139-1234-5678", "手机：139-1234-5678"),
        ("+8613912345678", "号码+8613912345678"),
        ("0757-83001234", "座机0757-83001234"),
        ("(0757)83001234", "(0757)83001234转分机"),
        ("8227670", "联系电话8227670进行咨询"),
        ("440604199001011234", "身份证440604199001011234"),
        ("44060419900101123X", "身份证号44060419900101123X。"),
        ("4303221956", "身份证４３０３２２１９５６０****"),
        ("4303221956", "身份证4303221956****1234"),
        ("6222021234567890123", "卡号6222021234567890123"),
        ("6222 0212 3456 7890", "银行卡6222 0212 3456 7890"),
        ("wang.jianguo@example.com", "邮箱wang.jianguo@example.com"),
        ("粤E12345", "车牌粤E12345长期占道"),
        ("粤E·D12345", "粤E·D12345"),
        ("18号", "祖庙路18号3楼"),
        ("3楼", "祖庙路18号3楼"),
        ("301室", "住在301室"),
        ("3-201", "住3-201"),
        ("十八号", "人民路十八号"),
        ("218 号", "花侯路 218 号"),
        ("王建国", "我叫王建国，"),
        ("李大明", "联系人：李大明"),
        ("欧阳小明", "户主欧阳小明"),
        ("易红炼", "易红炼先生指示"),
        ("李明", "。李明反映小区噪音"),
    ],
)
def test_redaction_removes_personal_data(personal, text):
    assert personal not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "地铁3号线推迟开通",
        "国务院令第583号令",
        "〔2019〕30号文件要求",
        "2019年3月15号上午",
        "请到3号窗口办理",
        "拨打12345热线",
        "王女士反映噪音扰民",
        "共投入资金1200万元",
        "。市民反映小区噪音",
        "医保就像一座金山",
        "，许多群众反映",
    ],
)
def test_redaction_keeps_words_that_name_nobody(text):
    assert redact(text) == text


def test_redaction_keeps_the_surname_of_a_name():
    assert redact("我叫王建国，住这里") == "我叫王某，住这里"


def test_redaction_of_empty_text_is_empty():
    assert redact("") == "" and redact(None) == ""


@pytest.mark.parametrize(
    ("address", "coarse"),
    [
        ("祖庙路18号3楼", "祖庙路"),
        ("禅城区季华五路华远东路交界", "禅城区季华五路华远东路交界"),
        ("东风社区十八号楼", "东风社区"),
        ("", ""),
    ],
)
def test_an_address_is_no_finer_than_its_road_or_community(address, coarse):
    assert coarse_address(address) == coarse


def test_a_point_is_rounded_to_the_disclosure_setting(settings):
    settings.MINSHENG_DISCLOSURE_COORDINATE_DECIMALS = 2
    assert coarse_point(22.973456, 113.012345) == (22.97, 113.01)
    assert coarse_point(None, 113.0) == (None, None)


def test_a_bank_account_shows_only_its_last_four_digits():
    assert mask_bank_account("6222021234567890123") == "***************0123"
