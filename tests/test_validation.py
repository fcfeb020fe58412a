"""The atomic value checks of kehu.validation (SPEC A3, A4, A8): normalised values and rule names."""

from datetime import date, datetime, timedelta

import pytest
from stdnum.cn import ric, uscc

from kehu import validation
from kehu.messages import LANGUAGES, MESSAGES, render
from kehu.validation import (
    VAGUE_PLACEHOLDERS,
    VALIDATORS,
    Invalid,
    check_email,
    check_im,
    check_mobile,
    check_not_vague,
    check_real_name,
    check_resident_id,
    check_uscc,
    normalize_text,
    parse_date,
    parse_datetime,
)


def raises_rule(check, raw, rule, **params):
    with pytest.raises(Invalid) as info:
        check(raw)
    assert info.value.rule == rule
    assert info.value.params == params
    return info.value


@pytest.mark.parametrize(
    "value,expected",
    [
        ("  张伟  ", "张伟"),
        ("ＡＢＣ　１２３", "ABC 123"),  # full-width letters, digits and the ideographic space
        ("（北京）科技有限公司", "(北京)科技有限公司"),
        ("a \t\n  b", "a b"),
        ("\ufeff13812345678\u200b", "13812345678"),  # BOM and zero-width space from spreadsheets
        ("①号楼 100㎡", "①号楼 100㎡"),  # only full-width ASCII is folded, not all of NFKC
        ("Jose\u0301", "José"),  # composed (NFC)
    ],
)
def test_normalize_text(value, expected):
    assert normalize_text(value) == expected


def test_normalize_text_multiline_keeps_line_breaks():
    assert normalize_text(" 第一行　 有空格 \r\n\r\n\r\n\r\n第二行 ", multiline=True) == "第一行 有空格\n\n第二行"


# --- USCC (GB 32100) ----------------------------------------------------------------------------

# Known-good codes written out, so the test does not only compare stdnum with itself.
KNOWN_USCC = [
    "91350100M000100Y43",  # the worked example in GB 32100-2015
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "91110000710926094P",  # 中国石油化工股份有限公司
    "91310000631696382C",  # 宝山钢铁股份有限公司
    "91420684MA4927PJ7B",
    "121200004013590816",  # a public institution (事业单位), authority 1
]


@pytest.mark.parametrize("code", KNOWN_USCC)
def test_uscc_known_good(code):
    assert check_uscc(code) == code


@pytest.mark.parametrize("body", ["91440300MA5FXXXXX", "52110000500000000", "31110000MD0123456"])
def test_uscc_computed(body):
    code = body + uscc.calc_check_digit(body)
    assert check_uscc(code) == code


@pytest.mark.parametrize(
    "value,expected",
    [
        ("91350100m000100y43", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y43 ", "91350100M000100Y43"),  # stdnum drops spaces and hyphens
        ("N2440111MF0000000Y", "N2440111MF0000000Y"),  # letter authority (N 农业), stdnum rejects
        ("Y1110000MB0000000X", "Y1110000MB0000000X"),
    ],
)
def test_uscc_normalised(value, expected):
    assert check_uscc(value) == expected


@pytest.mark.parametrize(
    "value,rule",
    [
        ("91350100M000100Y44", "uscc_checksum"),  # check character changed
        ("91350100M000100Y4Q", "uscc_checksum"),
        ("91350100M000101Y43", "uscc_checksum"),  # a body character changed
        ("N2440111MF0000000X", "uscc_checksum"),
        ("91350100M000100Y4", "uscc_format"),  # 17 characters
        ("91350100M000100Y433", "uscc_format"),  # 19
        ("91350100M000100I43", "uscc_format"),  # I is not in the alphabet
        ("91350100M000100O43", "uscc_format"),
        ("9135010AM000100Y43", "uscc_format"),  # letter in the region code
        ("Z1350100M000100Y43", "uscc_format"),  # no such authority
        ("91350100M000100Y4_", "uscc_format"),
        ("统一社会信用代码", "uscc_format"),
    ],
)
def test_uscc_invalid(value, rule):
    raises_rule(check_uscc, value, rule)


# --- resident ID (GB 11643) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("11010519491231002X", "11010519491231002X"),  # the standard sample
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("440304198506158818", "440304198506158818"),
        # Region codes newer than the birth year; stdnum's ric.validate() rejects these.
        ("500101199003071236", "500101199003071236"),  # Chongqing (500xxx from 1997)
        ("310115196001010025", "310115196001010025"),  # Pudong (310115 from 1992)
    ],
)
def test_resident_id_valid(value, expected):
    assert check_resident_id(value) == expected


def test_resident_id_computed():
    body = "32010219880808123"
    number = body + ric.calc_check_digit(body + "0")
    assert check_resident_id(number) == number


@pytest.mark.parametrize(
    "value,rule",
    [
        ("110105491231002", "id_format"),  # 15-digit pre-1999 number
        ("11010519491231002", "id_format"),
        ("11010519491231002XX", "id_format"),
        ("11010519491231002Y", "id_format"),
        ("1101051949123100AX", "id_format"),
        ("110105194912310039", "id_checksum"),  # valid with check digit 8
        ("110105194912310021", "id_checksum"),
        ("11010519491231003X", "id_checksum"),
        ("110105194902300020", "id_birthdate"),  # 1949-02-30, checksum right
        ("110105209901010020", "id_birthdate"),  # in the future
        ("110105186001010026", "id_birthdate"),  # 1860: not a living person
    ],
)
def test_resident_id_invalid(value, rule):
    raises_rule(check_resident_id, value, rule)


def test_resident_id_born_tomorrow():
    body = "110105" + (date.today() + timedelta(days=2)).strftime("%Y%m%d") + "002"
    raises_rule(check_resident_id, body + ric.calc_check_digit(body + "0"), "id_birthdate")


# --- mobile -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "86 138 1234 5678",
        "008613812345678",
        "(+86) 138-1234-5678",
        "１３８１２３４５６７８",
        "＋８６ １３８ １２３４ ５６７８",
    ],
)
def test_mobile_valid(value):
    assert check_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", ["19212345678", "17012345678", "15900000000"])
def test_mobile_other_prefixes(value):
    assert check_mobile(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "013812345678",  # trunk 0 + mobile: 12 digits
        "010-12345678",  # Beijing landline
        "02112345678",  # 11-digit landline
        "1380000ABCD",  # phonenumbers would read letters as keypad digits
        "138abcd5678",
        "13812345678 ext 12",
        "13812345678#12",
        "tel:13812345678",
        "+1 381 234 5678",  # another country
        "+852 9123 4567",  # Hong Kong
        "+86 86 13812345678",
        "10012345678",  # not an allocated mobile range
        "手机13812345678",
    ],
)
def test_mobile_invalid(value):
    raises_rule(check_mobile, value, "mobile")


# --- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("zhang.wei@example.com", "zhang.wei@example.com"),
        ("Zhang.Wei@Example.COM", "Zhang.Wei@example.com"),  # the domain is case-insensitive
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ", "zhang@example.cn"),
        ("张伟@例子.中国", "张伟@例子.中国"),
        ("sales+crm@mail.example.com.cn", "sales+crm@mail.example.com.cn"),
    ],
)
def test_email_valid(value, expected):
    assert check_email(value) == expected


@pytest.mark.parametrize(
    "value",
    ["zhang", "zhang@", "@example.com", "zhang@example", "zhang@@example.com", "a..b@example.com",
     "Zhang <zhang@example.com>", "zhang wei@example.com", "zhang@localhost"],
)
def test_email_invalid(value):
    raises_rule(check_email, value, "email")


# --- IM -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("微信:zhangwei_88", "微信:zhangwei_88"),
        ("微信：zhangwei_88", "微信:zhangwei_88"),
        ("wechat : zhangwei_88", "wechat:zhangwei_88"),
        ("QQ:123456", "QQ:123456"),
        ("ＱＱ：１２３４５６", "QQ:123456"),
        ("钉钉:abc", "钉钉:abc"),
        ("企业微信:zhang.wei@corp", "企业微信:zhang.wei@corp"),
        ("zhangwei_88", "zhangwei_88"),
        ("123456789", "123456789"),
    ],
)
def test_im_valid(value, expected):
    assert check_im(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "微信:ab",  # account too short
        "abcd",  # bare account too short
        "微信:",
        ":zhangwei",
        "微信:张伟",  # account must be letters/digits/_-.@
        "微信:zhang wei",
        "a very long app name:zhangwei",
        "微信:" + "a" * 65,
        "微信:___",
        "-----",
        "微信 zhangwei_88",
    ],
)
def test_im_invalid(value):
    raises_rule(check_im, value, "im")


# --- real names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("张伟", "张伟"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("阿卜杜拉·买买提", "阿卜杜拉·买买提"),
        ("阿卜杜拉•买买提", "阿卜杜拉·买买提"),  # other "middle dots" an IME may produce
        ("阿卜杜拉・买买提", "阿卜杜拉·买买提"),
        ("张　伟", "张伟"),  # spaced to line up with three-character names
        ("王小明", "王小明"),
        ("李丽丽", "李丽丽"),
        ("丽娜", "丽娜"),
        ("林〇", "林〇"),
        ("Zhang Wei", "Zhang Wei"),
        ("Mary-Jane O'Neil", "Mary-Jane O'Neil"),
        ("J. R. R. Tolkien", "J. R. R. Tolkien"),
        ("José  Martínez", "José Martínez"),
        ("Ｚｈａｎｇ Ｗｅｉ", "Zhang Wei"),
    ],
)
def test_real_name_valid(value, expected):
    assert check_real_name(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "小王", "老李", "阿强",  # forms of address
        "张总", "王经理", "李先生", "刘女士", "陈小姐", "赵老师", "强哥", "张伟哥", "王姐", "刘老板",
        "丽丽", "冬冬",  # doubled single character
        "张3", "张伟2", "😀", "张伟😀", "a", "张", "Z", "A.",
        "Zhang Wei 2", "Zhang_Wei", "zhang@wei", "张Wei", "·张伟", "张伟·", "张··伟",
        "张" * 21,
        "a" * 101,
    ],
)
def test_real_name_invalid(value):
    raises_rule(check_real_name, value, "real_name")


# --- vague placeholders (A8) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,shown",
    [
        (" 待确认 ", "待确认"),
        ("待定", "待定"),
        ("未知", "未知"),
        ("未知。", "未知。"),
        ("不详！", "不详!"),
        ("暂无", "暂无"),
        ("无", "无"),
        ("（无）", "(无)"),
        ("同上", "同上"),
        ("N/A", "N/A"),
        ("n/a", "n/a"),
        ("N / A", "N / A"),
        ("na", "na"),
        ("NULL", "NULL"),
        ("None", "None"),
        ("Unknown", "Unknown"),
        ("tbd", "tbd"),
        ("-", "-"),
        ("--", "--"),
        ("——", "——"),
        ("?", "?"),
        ("？？", "??"),
        ("...", "..."),
        ("……", "……"),
        ("。。。", "。。。"),
        ("xxx", "xxx"),
        ("XXXX", "XXXX"),
        ("ｘｘ", "xx"),
        ("000", "000"),
        ("0000", "0000"),
        ("***", "***"),
        ("/", "/"),
    ],
)
def test_vague_rejected(value, shown):
    raises_rule(check_not_vague, value, "vague", value=shown)


@pytest.mark.parametrize("placeholder", sorted(VAGUE_PLACEHOLDERS))
def test_every_listed_placeholder_rejected(placeholder):
    assert raises_rule(check_not_vague, placeholder, "vague", value=normalize_text(placeholder))


@pytest.mark.parametrize(
    "value,expected",
    [
        ("无锡市", "无锡市"),  # contains a placeholder word, but is not one
        ("未知科技有限公司", "未知科技有限公司"),
        ("Nana", "Nana"),
        ("X", "X"),
        ("0", "0"),
        ("100", "100"),
        ("Ｘ光设备", "X光设备"),
        ("  北京市 朝阳区  ", "北京市 朝阳区"),
        ("😀", "😀"),  # left to the field's own checks
    ],
)
def test_not_vague_accepted(value, expected):
    assert check_not_vague(value) == expected


# --- dates and times (A8) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024-05-01", date(2024, 5, 1)),
        ("２０２４－０５－０１", date(2024, 5, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        (date(2024, 5, 1), date(2024, 5, 1)),
        (datetime(2024, 5, 1, 14, 30), date(2024, 5, 1)),
    ],
)
def test_parse_date_valid(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    ["2024-5-1", "2024/05/01", "20240501", "2024-02-30", "2023-02-29", "2024-13-01", "24-05-01",
     "2024-05-01 14:30", "2024年5月1日", "明天", "2024-05-0１x", "٢٠٢٤-٠٥-٠١"],
)
def test_parse_date_invalid(value):
    raises_rule(parse_date, value, "invalid_date")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024-05-01 14:30", datetime(2024, 5, 1, 14, 30)),
        ("2024-05-01  14:30", datetime(2024, 5, 1, 14, 30)),  # inner spaces collapse
        ("２０２４－０５－０１ １４：３０", datetime(2024, 5, 1, 14, 30)),
        ("2024-12-31 00:00", datetime(2024, 12, 31, 0, 0)),
    ],
)
def test_parse_datetime_valid(value, expected):
    result = parse_datetime(value)
    assert result == expected and result.tzinfo is None


@pytest.mark.parametrize(
    "value",
    ["2024-05-01", "2024-05-01T14:30", "2024-05-01 14:30:00", "2024-05-01 24:00", "2024-05-01 14:60",
     "2024-05-01 2:30", "2024-02-30 10:00", "2024/05/01 14:30"],
)
def test_parse_datetime_invalid(value):
    raises_rule(parse_datetime, value, "invalid_datetime")


# --- the registry and the messages --------------------------------------------------------------


def test_validators_registry():
    assert VALIDATORS == {
        "uscc": check_uscc,
        "resident_id": check_resident_id,
        "mobile": check_mobile,
        "email": check_email,
        "im": check_im,
        "real_name": check_real_name,
        "not_vague": check_not_vague,
    }


RULES_RAISED = {
    "uscc_format", "uscc_checksum", "id_format", "id_checksum", "id_birthdate", "mobile", "email",
    "im", "real_name", "vague", "invalid_date", "invalid_datetime", "control_chars",
}


def test_rules_match_the_source():
    # Every Invalid("...") written in validation.py is in the list checked below.
    import re
    from pathlib import Path

    source = Path(validation.__file__).read_text(encoding="utf-8")
    assert set(re.findall(r'Invalid\("(\w+)"', source)) == RULES_RAISED


@pytest.mark.parametrize("rule", sorted(RULES_RAISED))
def test_every_rule_has_messages(rule):
    # The English text is the msgid; tests/test_i18n.py checks the zh_CN catalog translates it.
    assert MESSAGES[rule].strip()
    # The only parameter a checker passes is the offending value for "vague".
    params = {"label": "字段", **({"value": "未知"} if rule == "vague" else {})}
    assert set(LANGUAGES) == {"zh", "en"}
    texts = {lang: render(rule, lang, **params) for lang in LANGUAGES}
    assert texts["en"] == MESSAGES[rule].format(**params)
    assert texts["zh"] != texts["en"] and "{" not in texts["zh"], texts
