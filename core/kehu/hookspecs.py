"""Every extension point of kehu, in one file (SPEC H1, H3).

The docstring is the contract: its first line says what to return.  Hooks are called with
keyword arguments; an implementation may accept any subset of the arguments, by name, and must
not give them defaults (pluggy drops them).  `app` (a `kehu.app.Kehu`) is passed to every hook
except `register_manifest`.

Families: `register_*` returns lists of plain objects, `customer_*` concerns the customer
entity, events are past tense (`customers_saved`).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("kehu")
hookimpl = pluggy.HookimplMarker("kehu")


# --- The plugin itself ---------------------------------------------------------------------


@hookspec(firstresult=True)
def register_manifest():
    """Return this plugin's `kehu.plugins.Manifest`: name, labels, version, dependencies.

    Called on the plugin module alone, before it is registered, so that plugins can be ordered
    by their dependencies and a missing or cyclic dependency refused with a clear message.
    """


@hookspec
def startup(app):
    """React to the app having been built (all plugins registered, schema current). Return None."""


# --- What the customer is made of ----------------------------------------------------------


@hookspec
def register_fields(app):
    """Return a list of `kehu.fields.FieldDef` this plugin adds to the customer (SPEC A7).

    Keys must be unique across all plugins.  Core's own fields come through this hook too.
    """


@hookspec
def register_subcategories(app):
    """Return a list of `kehu.fields.Subcategory`: second-level categories under the five of A7."""


@hookspec
def register_filters(app):
    """Return a list of `kehu.query.FilterDef`: conditions the list and search may use (SPEC D2, D3).

    Core derives one filter per filterable field; a plugin adds filters that need its own tables
    (a `compile` returning a SQLAlchemy condition on `Customer`, such as an EXISTS subquery).
    """


# --- Customer life cycle -------------------------------------------------------------------


@hookspec
def customer_validate(app, session, actor, customer, values, is_new):
    """Return a list of `kehu.errors.FieldError` for `values`, or an empty list / None.

    `values` is the cleaned input (typed, normalised) after core's field checks passed;
    `customer` is the row as stored before the change (None when `is_new`).  Nothing has been
    written yet; any error anywhere refuses the whole save.  A plugin may replace the values of
    its own fields in `values` by their canonical form (tags: normalised, sorted names), which is
    then what core compares, logs and hands to `customers_saved`; it never touches other keys.
    """


@hookspec
def customers_saved(app, session, actor, saved):
    """React to customers written in this transaction; return None.

    `saved` is a list of `kehu.records.Saved` (customer row, action, changed fields with old and
    new values, plugin-stored input values).  Called inside the transaction, after the change
    log rows: raise to roll everything back.  A batch form, so an import of many rows calls it
    once per batch, not once per row.
    """


@hookspec
def customer_data(app, session, customer_ids):
    """Return {customer_id: {field_key: value}} for fields this plugin stores itself.

    Called once per read with every customer id of the page, never once per row.
    """


# --- Who may do what, to which customers, and see which fields -----------------------------


@hookspec
def permission_allowed(app, actor, action, resource, customer):
    """Return False to refuse `action` on `resource` ("customer", "contact", "field", ...), else None.

    `customer` is the row concerned, or None for actions on the whole resource type (list,
    create).  Any False refuses; when no plugin answers, the action is allowed (single-team mode).
    """


@hookspec
def customer_scope(app, actor, action):
    """Return a SQLAlchemy condition on `Customer` narrowing the rows `actor` may `action`, or None.

    The query layer ANDs every returned condition into the WHERE of each list, count, detail,
    history and export — never a Python post-filter.  A row outside the scope answers 404.
    """


@hookspec
def field_access(app, actor):
    """Return {field_key: kehu.fields.Access} restricting what `actor` sees of each field, or None.

    The most restrictive answer wins; fields no plugin mentions are fully visible and writable.
    """


# --- Surfaces: screens --------------------------------------------------------------------


@hookspec
def register_menu_items(app):
    """Return a list of `kehu.slots.MenuItem`: entries of the screens' navigation.

    Labels are English msgids, translated through the plugin's gettext catalog.
    """


@hookspec
def customer_sections(app, session, actor, customer, lang):
    """Return a list of `kehu.slots.Section` to show on the customer detail screen.

    A section names a template (under the plugin's `templates/kehu_<name>/`) and the context to
    render it with; core renders it with autoescape.  `customer` is already in the actor's scope.
    """


@hookspec
def field_options(app, session, actor, keys, lang):
    """Return {key: list of `kehu.slots.Option`} offered now for the fields and filters in `keys`, or None.

    For values that live in the database rather than in a field's fixed `choices` (tags, say):
    a field's form widget (`FieldDef.widget`) and the list's filter panel offer them.  Answer
    only for keys this plugin owns, with what `actor` may see, labelled in `lang`.  Called once
    per screen with every key it needs; answers from several plugins are concatenated per key.
    """


# --- Surfaces: API, CLI --------------------------------------------------------------------


@hookspec
def register_routes(app):
    """Return a list of Litestar route handlers, controllers or routers to mount in the app.

    Handlers receive the acting user through the `actor` dependency and the app through `kehu`.
    """


@hookspec
def register_commands(app):
    """Return a list of `click.Command` to add to the `kehu` command line."""


# --- Demo data ----------------------------------------------------------------------------


@hookspec
def demo_users_ready(app, roles):
    """React to the demo's users being in place: give them the rights their roles stand for; return None.

    `roles` maps usernames to the words of SPEC G1 the demo data gives them: "admin" (the data
    admin, and the account `demo`), "head", "sales", "support", "marketing", "finance".  Called by
    `kehu.demo` (`kehu serve --demo`, `kehu demo`) before it writes customers as `admin`, so that a
    permissions plugin can map the words to its roles.  Never called on a real installation.
    """
