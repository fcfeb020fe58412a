"""Custom field definitions (SPEC A7): every bad definition is a field error, never a 500."""

import pytest

from kehu import customfields, records
from kehu.errors import NotFound, ValidationFailed
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


# --- editing a field (the admin screen's edit form) --------------------------------------------


def grade_field(app):
    return customfields.add_field(app, app.system_actor, field(
        key="card_grade", type="enum", choices=["gold:金卡:Gold", "silver:银卡:Silver"]))


def edited(**overrides):
    data = field(key="ignored", type="text", label_zh="会员卡等级", label_en="Card grade",
                 choices=[{"value": "gold", "zh": "金卡", "en": "Gold card"},
                          {"value": "silver", "zh": "银卡", "en": "Silver"},
                          {"value": "platinum", "zh": "白金卡", "en": "Platinum"}],
                 required_for=["enterprise"], listed=True)
    data.update(overrides)
    return data


def test_an_edit_changes_labels_options_and_rules_but_not_key_or_type(kehu_app):
    app = kehu_app
    grade_field(app)
    f = customfields.update_field(app, app.system_actor, "card_grade", edited())
    assert (f.key, str(f.type), f.label_zh, f.label_en) == ("card_grade", "enum", "会员卡等级", "Card grade")
    assert [(c.value, c.en) for c in f.choices] == [
        ("gold", "Gold card"), ("silver", "Silver"), ("platinum", "Platinum")]
    assert f.required_for == {"enterprise"} and f.listed
    assert app.fields["card_grade"] is f
    # The new rules apply at once: an enterprise without the field is refused.
    with pytest.raises(ValidationFailed) as info:
        records.create_customer(app, app.system_actor, customer_payload())
    assert {e.field: e.rule for e in info.value.errors} == {"card_grade": "required"}
    assert records.create_customer(app, app.system_actor, customer_payload(card_grade="platinum")).custom == {
        "card_grade": "platinum"}


def test_an_edit_cannot_remove_an_option(kehu_app):
    grade_field(kehu_app)
    with pytest.raises(ValidationFailed) as info:
        customfields.update_field(kehu_app, kehu_app.system_actor, "card_grade",
                                  edited(choices=["gold:金卡:Gold"]))
    assert [(e.field, e.rule, e.params) for e in info.value.errors] == [
        ("choices", "choice_removed", {"value": "silver"})]
    assert [c.value for c in kehu_app.fields["card_grade"].choices] == ["gold", "silver"]


def test_an_edit_is_checked_like_an_addition(kehu_app):
    grade_field(kehu_app)
    with pytest.raises(ValidationFailed) as info:
        customfields.update_field(kehu_app, kehu_app.system_actor, "card_grade",
                                  edited(label_zh="", validators=["mobile"], max_length="0"))
    assert {e.field: e.rule for e in info.value.errors} == {
        "label_zh": "required", "validators": "validator_needs_text", "max_length": "max_length_range"}


def test_a_subcategory_must_be_under_the_fields_category(kehu_app):
    app = kehu_app
    customfields.add_subcategory(app, app.system_actor,
                                 {"key": "vip", "parent": "business", "label_zh": "贵宾", "label_en": "VIP"})
    assert refused(app, category="basic", subcategory="vip") == {"subcategory": "subcategory_parent"}
    assert customfields.add_field(app, app.system_actor, field(subcategory="vip")).subcategory == "vip"


def test_core_plugin_and_retired_fields_cannot_be_edited(kehu_app):
    app = kehu_app
    for key in ("name", "grade", "no_such_field"):
        with pytest.raises(NotFound):
            customfields.update_field(app, app.system_actor, key, edited())
    grade_field(app)
    customfields.retire_field(app, app.system_actor, "card_grade")
    with pytest.raises(NotFound):
        customfields.update_field(app, app.system_actor, "card_grade", edited())


def test_an_edit_in_one_process_is_served_by_the_others(make_kehu):
    """Another server process sees an edited label or option at its next request (A7)."""
    serving, admin_side = make_kehu(), make_kehu()
    grade_field(admin_side)
    serving.refresh_definitions()
    customfields.update_field(admin_side, admin_side.system_actor, "card_grade", edited())
    assert serving.fields["card_grade"].label_en == "Loyalty card"
    serving.refresh_definitions()
    assert serving.fields["card_grade"].label_en == "Card grade"
    assert serving.fields["card_grade"].choice("platinum") is not None
