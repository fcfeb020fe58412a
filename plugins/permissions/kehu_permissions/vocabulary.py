"""The words policies are written in, and the plugin's messages (SPEC G1, G2, H4).

Every value a policy, a field rule or an assignment holds is one of these, checked when it is
written (`kehu_permissions.service`), so the enforcer never meets a value it cannot read:

- resource types and the actions core and the plugins of this repository actually ask about
  (`RESOURCES`; `"*"` stands for any resource, any action);
- customer scopes (`SCOPES`: own / department / department and below / all) and the
  confidentiality levels of SPEC G2 (`LEVELS`, lowest first), which only *allow* rules on
  customer rows carry (`needs_scope`);
- field access (`kehu.fields.Access`: hidden / masked / read / write) for field keys
  (`customer field`, `contacts.<key>`, `@<category>` for a whole category of SPEC A7, `*`).

Labels and rule texts are English msgids; the plugin's zh_CN catalog translates them.
"""

from __future__ import annotations

from collections.abc import Mapping

from kehu.defaults.core_fields import CONTACT_FIELDS
from kehu.fields import CATEGORIES, Access
from kehu.i18n import N_, gettext
from kehu.messages import render

ANY = "*"

# resource type -> the actions asked about it (by `app.authorize` / `app.allowed` / MenuItem).
RESOURCES: dict[str, tuple[str, ...]] = {
    # kehu.query (list, list_hidden, list_deleted), kehu.records (read, create, update, delete,
    # restore; contacts are changed under "update"), kehu.exporting (export)
    "customer": ("list", "list_hidden", "list_deleted", "read", "create", "update", "delete", "restore",
                 "export"),
    # kehu.customfields and the custom-fields screens
    "field": ("configure",),
    # kehu.directory and the users / departments screens
    "user": ("configure",),
    "department": ("configure",),
    # the plugins screen
    "plugin": ("configure",),
    # kehu_tags (service, screens, menu)
    "tag": ("read", "create", "update", "rename", "merge", "delete"),
    # this plugin: see roles and policies, change them
    "policy": ("read", "configure"),
}

# Customer actions whose rows `customer_scope` narrows (core passes exactly these).
ROW_ACTIONS = ("read", "create", "update", "delete", "restore")

RESOURCE_LABELS: dict[str, str] = {
    "*": N_("Everything"),
    "customer": N_("Customers"),
    "field": N_("Custom fields"),
    "user": N_("Users"),
    "department": N_("Departments"),
    "plugin": N_("Plugins"),
    "tag": N_("Tags"),
    "policy": N_("Roles and policies"),
}

ACTION_LABELS: dict[str, str] = {
    "*": N_("any action"),
    "list": N_("list"),
    "list_hidden": N_("list inactive and dormant ones"),
    "list_deleted": N_("list deleted ones"),
    "read": N_("read"),
    "create": N_("create"),
    "update": N_("change"),
    "delete": N_("delete"),
    "restore": N_("restore"),
    "export": N_("export"),
    "configure": N_("configure"),
    "rename": N_("rename"),
    "merge": N_("merge"),
}

EFFECTS = ("allow", "deny")
EFFECT_LABELS: dict[str, str] = {"allow": N_("allow"), "deny": N_("deny")}

# Which customers (SPEC G1): the owner's own, the user's department, it and its sub-departments, all.
SCOPES = ("own", "department", "subtree", "all")
SCOPE_LABELS: dict[str, str] = {
    "own": N_("own customers"),
    "department": N_("own department"),
    "subtree": N_("department and below"),
    "all": N_("all customers"),
}

# SPEC G2, lowest first: a rule allowing "internal" allows public and internal customers.
LEVELS = ("public", "internal", "confidential")
LEVEL_LABELS: dict[str, str] = {
    "public": N_("public"),
    "internal": N_("internal"),
    "confidential": N_("confidential"),
}

ACCESS_LABELS: dict[str, str] = {
    Access.HIDDEN: N_("hidden"),
    Access.MASKED: N_("masked"),
    Access.READ: N_("read only"),
    Access.WRITE: N_("read and write"),
}
ACCESS_ORDER = list(Access)  # hidden < masked < read < write

CONTACT_PREFIX = "contacts."
CATEGORY_PREFIX = "@"


def actions_of(resource: str) -> tuple[str, ...]:
    """The actions a policy on `resource` may name (`"*"` included)."""
    if resource == ANY:
        return (ANY, *sorted({a for actions in RESOURCES.values() for a in actions}))
    return (ANY, *RESOURCES.get(resource, ()))


def needs_scope(effect: str, resource: str, action: str) -> bool:
    """Does this rule decide which customer rows (and so carry a scope and a level)?"""
    return effect == "allow" and resource in ("customer", ANY) and (action == ANY or action in ROW_ACTIONS)


def visible_levels(level: str) -> tuple[str, ...]:
    """The confidentiality levels a rule allowing up to `level` lets through."""
    return LEVELS[: LEVELS.index(level) + 1]


def contact_keys() -> list[str]:
    return [CONTACT_PREFIX + f.key for f in CONTACT_FIELDS]


def field_keys(app) -> list[str]:
    """Every key a field rule may name, as of now: `*`, each `@category`, each field, each contact field."""
    return [ANY, *(CATEGORY_PREFIX + c for c in CATEGORIES), *(f.key for f in app.fields), *contact_keys()]


def category_of(app, key: str) -> str | None:
    """The category (SPEC A7) of a field or contact-field key; None for unknown keys."""
    if key.startswith(CONTACT_PREFIX):
        return "contact" if key in contact_keys() else None
    f = app.fields.fields.get(key)
    return f.category if f is not None else None


def label(table: Mapping[str, str], key: str | None, lang: str) -> str:
    """`key` in words from one of the tables above (the key itself when it has none)."""
    if key is None:
        return ""
    msgid = table.get(key)
    return gettext(lang, msgid) if msgid else key


def field_label(app, key: str, lang: str = "zh") -> str:
    """A field rule's key in words: a field's label, a category's, "contact: mobile", "all fields"."""
    if key == ANY:
        return gettext(lang, N_("all fields"))
    if key.startswith(CATEGORY_PREFIX) and key[1:] in CATEGORIES:
        return CATEGORIES.label(key[1:], lang)
    if key.startswith(CONTACT_PREFIX):
        contact = {f.key: f for f in CONTACT_FIELDS}.get(key[len(CONTACT_PREFIX):])
        if contact is not None:
            return render("permissions_contact_field", lang, label=contact.label(lang))
    f = app.fields.fields.get(key) if app is not None else None
    return f.label(lang) if f is not None else key


# --- messages ------------------------------------------------------------------------------

MESSAGES: dict[str, str] = {
    "permissions_contact_field": N_("Contact: {label}"),
    # validation of what admins write
    "permissions_role_key": N_("A role key may contain only lower-case letters, digits and underscores, "
                               "must start with a letter and have 2 to 40 characters"),
    "permissions_role_exists": N_("There is already a role \"{value}\""),
    "permissions_unknown_role": N_("There is no role \"{value}\""),
    "permissions_unknown_resource": N_("\"{value}\" is not a resource type; choose one of {choices}"),
    "permissions_unknown_action": N_("\"{value}\" is not an action on {resource}; choose one of {choices}"),
    "permissions_unknown_effect": N_("The effect must be allow or deny, not \"{value}\""),
    "permissions_unknown_scope": N_("\"{value}\" is not a scope; choose one of {choices}"),
    "permissions_unknown_level": N_("\"{value}\" is not a confidentiality level; choose one of {choices}"),
    "permissions_scope_required": N_("A rule allowing access to customer rows needs a scope and the highest "
                                     "confidentiality level it reaches"),
    "permissions_scope_not_applicable": N_("Only a rule allowing access to customer rows has a scope and a "
                                           "confidentiality level; leave them empty here"),
    "permissions_duplicate_rule": N_("The same rule is listed twice"),
    "permissions_unknown_field": N_("\"{value}\" is not a field, a contact field, a category or *"),
    "permissions_unknown_access": N_("\"{value}\" is not a field access; choose one of {choices}"),
    "permissions_not_a_list": N_("{label} must be a list of rules"),
    "permissions_not_a_mapping": N_("{label} must be a set of field keys with their access"),
    "permissions_assign_target": N_("Assign the role to one user or to one department"),
    "permissions_system_user": N_("The system user always has every right; it takes no roles"),
    "permissions_already_assigned": N_("The role \"{role}\" is already assigned to {target}"),
    "permissions_not_assigned": N_("The role \"{role}\" is not assigned to {target}"),
    # explanations (kehu_permissions.explain)
    "permissions_why_system": N_("The system user ({user}) has every right"),
    "permissions_why_no_roles": N_("{user} has no role"),
    "permissions_why_role": N_("{user} has the role {role} ({via})"),
    "permissions_why_via_user": N_("assigned to the user"),
    "permissions_why_via_department": N_("assigned to the department {department}"),
    "permissions_why_policy": N_("Role {role}: {effect} {action} on {resource}"),
    "permissions_why_policy_scope": N_("Role {role}: allow {action} on {resource} for {scope}, up to {level}"),
    "permissions_why_no_policy": N_("No rule of {user}'s roles is about {action} on {resource}: denied"),
    "permissions_why_denied_by": N_("Denied: a deny rule overrides every allow rule"),
    "permissions_why_allowed": N_("Allowed"),
    "permissions_why_not_allowed": N_("Denied"),
    "permissions_why_customer_missing": N_("There is no customer {code}"),
    "permissions_why_customer": N_("Customer {code}: owner {owner}, department {department}, "
                                   "confidentiality {level}"),
    "permissions_why_grant_matches": N_("Role {role} reaches this customer ({scope}, up to {level})"),
    "permissions_why_grant_misses": N_("Role {role} does not reach this customer ({scope}, up to {level})"),
    "permissions_why_out_of_scope": N_("The customer is outside {user}'s scope: it answers \"not found\""),
    "permissions_why_field": N_("Role {role}: {field} is {access} (rule \"{key}\")"),
    "permissions_why_field_default": N_("Role {role}: no rule names {field}: {access}"),
    "permissions_why_field_no_customers": N_("Role {role} gives no access to customers: its field rules do "
                                             "not count"),
    "permissions_why_field_result": N_("{field}: {access} (the most any role gives)"),
}

# Names of the values a service call takes, for error messages (`error_label`).
INPUT_LABELS: dict[str, str] = {
    "key": N_("Role key"),
    "label_zh": N_("Chinese name"),
    "label_en": N_("English name"),
    "description": N_("Description"),
    "role": N_("Role"),
    "user": N_("User"),
    "department": N_("Department"),
    "resource": N_("Resource"),
    "action": N_("Action"),
    "effect": N_("Effect"),
    "scope": N_("Scope"),
    "level": N_("Highest confidentiality level"),
    "field": N_("Field"),
    "access": N_("Access"),
    "policies": N_("Rules"),
    "field_rules": N_("Field rules"),
    "reason": N_("Reason"),
}


def error_label(key: str, lang: str = "zh") -> str:
    """The label of what an error of this plugin names: "policies[2].action" → "Action"."""
    last = key.rsplit(".", 1)[-1] if not key.startswith("field_rules[") else "field"
    last = last.split("[", 1)[0]
    msgid = INPUT_LABELS.get(last)
    return gettext(lang, msgid) if msgid else key



def choices(values) -> str:
    """A list of allowed keys for an error message (keys are the same in every language)."""
    return " / ".join(values)
