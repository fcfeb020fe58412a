"""GB/T 4754-2017 industry classification: sections, divisions, codes, labels, choices (SPEC A6)."""

from __future__ import annotations

import pytest

from kehu.fields import Choice
from kehu.industries import DIVISIONS, SECTIONS, industry_choices, industry_code, industry_label

# Division ranges of each section in the 2017 edition (inclusive).
SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}


def test_counts():
    assert len(SECTIONS) == 20
    assert list(SECTIONS) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert len(DIVISIONS) == 97
    assert sorted(DIVISIONS) == [f"{n:02d}" for n in range(1, 98)]


def test_sections_and_divisions_linked():
    for division, (section, zh, en) in DIVISIONS.items():
        assert section in SECTIONS, division
        assert zh and en
    assert {section for section, _, _ in DIVISIONS.values()} == set(SECTIONS)
    for zh, en in SECTIONS.values():
        assert zh and en


@pytest.mark.parametrize("section", sorted(SECTION_RANGES))
def test_section_ranges(section):
    low, high = SECTION_RANGES[section]
    expected = [f"{n:02d}" for n in range(low, high + 1)]
    assert sorted(d for d, (s, _, _) in DIVISIONS.items() if s == section) == expected


@pytest.mark.parametrize(("division", "name"), [
    ("01", "农业"),
    ("13", "农副食品加工业"),
    ("39", "计算机、通信和其他电子设备制造业"),
    ("51", "批发业"),
    ("52", "零售业"),
    ("65", "软件和信息技术服务业"),
    ("66", "货币金融服务"),
    ("97", "国际组织"),
])
def test_division_names(division, name):
    assert DIVISIONS[division][1] == name


def test_section_names():
    assert SECTIONS["A"][0] == "农、林、牧、渔业"
    assert SECTIONS["C"] == ("制造业", "Manufacturing")
    assert SECTIONS["T"][0] == "国际组织"


def test_industry_code():
    assert industry_code("39") == "C39"
    assert industry_code("01") == "A01"
    assert industry_code("65") == "I65"
    with pytest.raises(KeyError):
        industry_code("98")


def test_industry_label():
    assert industry_label("C39") == "制造业-计算机、通信和其他电子设备制造业"
    assert industry_label("C39", "zh") == "制造业-计算机、通信和其他电子设备制造业"
    assert industry_label("C39", "en") == "Manufacturing - Computers, communication and other electronic equipment"
    assert industry_label("F52") == "批发和零售业-零售业"
    assert industry_label("C") == "制造业"
    assert industry_label("C", "en") == "Manufacturing"
    for bad in ("", "X39", "A39", "C98", "39", "c39"):
        with pytest.raises(KeyError):
            industry_label(bad)


def test_industry_choices():
    choices = industry_choices()
    assert len(choices) == 97
    assert all(isinstance(c, Choice) for c in choices)
    values = [c.value for c in choices]
    assert len(set(values)) == len(values)
    assert values == sorted(values, key=lambda v: v[1:])
    assert values == sorted(values)  # section letters rise with division numbers
    assert values[0] == "A01" and values[-1] == "T97"
    by_value = {c.value: c for c in choices}
    assert by_value["I65"].zh == industry_label("I65")
    assert by_value["I65"].en == industry_label("I65", "en")
    assert by_value["C39"].label("en").startswith("Manufacturing - ")
