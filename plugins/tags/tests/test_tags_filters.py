"""The `tags` filter: any / all / none / empty, in SQL, ANDed with core conditions (SPEC D2, D3)."""

from __future__ import annotations

import pytest

from kehu.errors import ValidationFailed
from kehu.query import parse_conditions
from tags_helpers import codes, create

HUADONG, STRONG = "区域-华东", "状态-意向强烈"


@pytest.fixture
def people(app):
    return {
        "a_both": create(app, tags=[HUADONG, STRONG], grade="A").code,
        "a_east": create(app, tags=[HUADONG], grade="A").code,
        "a_none": create(app, grade="A").code,
        "b_both": create(app, tags=[HUADONG, STRONG], grade="B").code,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tags__any": HUADONG}, {"a_both", "a_east"}),
        ({"tags__any": f"{STRONG},{HUADONG}"}, {"a_both", "a_east"}),
        ({"tags__all": f"{HUADONG},{STRONG}"}, {"a_both"}),
        ({"tags__all": [HUADONG, STRONG]}, {"a_both"}),  # a key given twice in a query string
        ({"tags__none": STRONG}, {"a_east", "a_none"}),
        ({"tags__empty": "true"}, {"a_none"}),
        ({"tags__empty": "false"}, {"a_both", "a_east"}),
        ({"tags__any": "区域－华东"}, {"a_both", "a_east"}),  # written another way
        ({"tags__any": "区域-华南"}, set()),  # no such tag
    ],
)
def test_tag_conditions_combine_with_core_conditions(app, people, params, expected):
    assert codes(app, grade="A", **params) == {people[k] for k in expected}


def test_conditions_are_sql_not_python(app):
    [condition] = parse_conditions(app, {"tags__all": f"{HUADONG},{STRONG}"})
    sql = str(condition.clause.compile(app.db.engine))
    assert sql.count("EXISTS") == 2 and "customer_tag" in sql


def test_unknown_operator(app):
    with pytest.raises(ValidationFailed) as caught:
        parse_conditions(app, {"tags__gte": HUADONG})
    assert caught.value.errors[0].rule == "unknown_operator"
