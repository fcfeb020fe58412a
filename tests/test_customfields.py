"""Custom field definitions (SPEC A7): every bad definition is a field error, never a 500."""

import pytest

from kehu import customfields, records
from kehu.errors import ValidationFailed
from kehu.testing import customer_payload


def field(**overrides):
    data = {"key": "loyalty_card", "type": "text", "label_zh": "会员卡号", "label_en": "Loyalty card",
            "category": "business"}
    data.update(overrides)
    return data


def refused(app, **overrides) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        customfields.add_field(app, app.system_actor, field(**overrides))
    return {e.field: e.rule for e in info.value.errors}


def test_a_valid_field_is_added(kehu_app):
    app = kehu_app
    f = customfields.add_field(app, app.system_actor, field(max_length="20", validators=["not_vague"]))
    assert f.max_length == 20 and tuple(f.validators) == ("not_vague",)


@pytest.mark.parametrize("type_", ["integer", "decimal", "date", "datetime", "boolean", "enum", "multi_enum"])
def test_validators_only_on_text_fields(kehu_app, type_):
    errors = refused(kehu_app, type=type_, validators=["mobile"], choices=["a", "b"])
    assert errors == {"validators": "validator_needs_text"}


def test_validators_on_long_text_are_fine(kehu_app):
    app = kehu_app
    customfields.add_field(app, app.system_actor, field(type="longtext", validators=["not_vague"]))


def test_unknown_validator(kehu_app):
    assert refused(kehu_app, validators=["nope"]) == {"validators": "unknown_validator"}


@pytest.mark.parametrize("max_length", [0, -1, 2001, 10**12, "abc", "1.5", 1.5, True, [5], {"a": 1}])
def test_max_length_must_be_a_sensible_whole_number(kehu_app, max_length):
    assert refused(kehu_app, max_length=max_length) == {"max_length": "max_length_range"}


def test_max_length_bounds(kehu_app):
    app = kehu_app
    assert customfields.add_field(app, app.system_actor, field(max_length=2000)).max_length == 2000
    assert customfields.add_field(app, app.system_actor, field(key="one_char", max_length=1)).max_length == 1


@pytest.mark.parametrize("choices,rule", [
    (["a", ""], "choice_value_required"),
    ([{"value": "", "zh": "空"}], "choice_value_required"),
    ([":仅标签"], "choice_value_required"),
    (["a", "b", "a"], "duplicate_choice"),
    (["a:甲", {"value": "a", "zh": "乙"}], "duplicate_choice"),
    (["a\x00b"], "control_chars"),
])
def test_choices_need_unique_non_empty_values(kehu_app, choices, rule):
    assert refused(kehu_app, type="enum", choices=choices) == {"choices": rule}


def test_choice_values_are_normalised_so_they_match(kehu_app):
    app = kehu_app
    customfields.add_field(app, app.system_actor, field(type="enum", choices=["Ａ级:Ａ级（重点）"]))
    customer = records.create_customer(app, app.system_actor, customer_payload(loyalty_card="Ａ级"))
    assert customer.custom["loyalty_card"] == "A级"


def test_existing_key(kehu_app):
    assert refused(kehu_app, key="name") == {"key": "field_exists"}


def test_retired_key_cannot_be_added_again(kehu_app):
    app = kehu_app
    customfields.add_field(app, app.system_actor, field())
    customfields.retire_field(app, app.system_actor, "loyalty_card")
    assert refused(app) == {"key": "field_exists"}


@pytest.mark.parametrize("key", [
    "reason", "version", "limit", "offset", "sort", "cursor", "lang", "deleted", "contacts",
    "include_hidden", "fields", "format", "code", "tags"])
def test_request_option_keys_are_reserved(kehu_app, key):
    # "code" is a field too: then it already exists
    assert refused(kehu_app, key=key) in ({"key": "field_key_reserved"}, {"key": "field_exists"})


def test_filter_keys_are_reserved(kehu_app):
    app = kehu_app
    filter_only = sorted(set(app.filters) - {f.key for f in app.fields})
    assert filter_only  # e.g. contact_name, not_contacted_days
    for key in filter_only:
        if customfields.KEY_PATTERN.match(key):
            assert refused(app, key=key) == {"key": "field_key_reserved"}, key


@pytest.mark.parametrize("key", ["q", "id"])
def test_short_reserved_keys_are_refused_too(kehu_app, key):
    assert refused(kehu_app, key=key)["key"] in ("field_key", "field_key_reserved")


@pytest.mark.parametrize("data,field_", [
    ({"type": ["text"]}, "type"),
    ({"category": {"a": 1}}, "category"),
    ({"validators": 5}, "validators"),
    ({"label_zh": "会员\x00卡"}, "label_zh"),
])
def test_odd_shapes_are_field_errors(kehu_app, data, field_):
    assert field_ in refused(kehu_app, **data)
