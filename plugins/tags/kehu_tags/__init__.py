"""kehu-tags: "dimension-value" tags on customers (SPEC B1, B2) — the model small plugin.

Everything it does goes through core's hooks; core never imports it:

- a customer field `tags` (a list of names, stored in the plugin's own tables),
- a filter `tags` (any / all / none / empty) compiled to SQL,
- name rules checked on every save, links written in the customer's transaction,
- a JSON API under /api/tags and a `kehu tags` command group for reviewing the vocabulary,
- screens: a tag picker on the customer form (the field's own widget), tag options in the list's
  filter panel, a tags section on the customer detail, and /tags to manage the vocabulary.

Layout: `names` (rules), `models` (side tables), `service` (operations), `filters`, `routes`,
`screens` and `slots` (web screens; templates in `templates/kehu_tags/`), `cli`,
`migrations/versions` (the `tags` branch), `locale` (the zh_CN catalog).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from kehu.fields import FieldDef, FieldType, Storage
from kehu.hookspecs import hookimpl
from kehu.i18n import register_catalog
from kehu.messages import register_messages
from kehu.plugins import Manifest
from kehu_tags import names, service, slots
from kehu_tags.filters import TAGS_FILTER

# The plugin's zh_CN catalog (locale/zh_CN/LC_MESSAGES/kehu_tags.po) translates its messages.
register_catalog(Path(__file__).parent / "locale", "kehu_tags")
register_messages(names.MESSAGES)

try:
    __version__ = metadata.version("kehu-tags")
except metadata.PackageNotFoundError:  # imported from a checkout without installing
    __version__ = "0"


@hookimpl
def register_manifest():
    return Manifest(
        name="tags",
        label_zh="标签",
        label_en="Tags",
        version=__version__,
        depends=(),
        migrations=Path(__file__).parent / "migrations" / "versions",
        templates=Path(__file__).parent / "templates",
        description_zh="“维度-取值”客户标签（如 区域-华东）：多选、筛选、改名、合并、删除，保留历史",
        description_en="\"dimension-value\" customer tags (e.g. 区域-华东): multi-select, filters, "
                       "rename, merge, delete, with history",
    )


@hookimpl
def register_fields():
    return [
        FieldDef(service.FIELD, FieldType.LIST, "标签", "Tags", "preferences", storage=Storage.PLUGIN,
                 filterable=True, listed=True, searchable=True, plugin="tags", order=500,
                 widget="kehu_tags/picker.html",
                 help_zh="“维度-取值”，如 区域-华东、状态-意向强烈；可多选，新名称会自动建立标签",
                 help_en="\"dimension-value\", e.g. 区域-华东 or 状态-意向强烈; several allowed; "
                         "a new name creates the tag"),
    ]


@hookimpl
def register_filters():
    return [TAGS_FILTER]


@hookimpl
def customer_validate(app, session, actor, customer, values):
    if values.get(service.FIELD) is None:
        return []
    canonical, errors = service.canonical_names(app, session, actor, values[service.FIELD],
                                                customer.id if customer is not None else None)
    if not errors:
        values[service.FIELD] = canonical or None  # the canonical form is what core logs and compares
    return errors


@hookimpl
def customers_saved(session, actor, saved):
    wanted = {item.customer.id: item.values[service.FIELD] for item in saved if service.FIELD in item.values}
    service.write_links(session, actor, wanted)


@hookimpl
def customer_data(session, customer_ids):
    return {cid: {service.FIELD: tag_list} for cid, tag_list in service.tag_names(session, customer_ids).items()}


@hookimpl
def field_options(app, session, actor, keys):
    return slots.options(app, session, actor, keys)


@hookimpl
def customer_sections(app, session, actor, customer):
    return slots.sections(app, session, actor, customer)


@hookimpl
def register_menu_items():
    return [slots.MENU]


@hookimpl
def register_routes():
    from kehu_tags.routes import TagController
    from kehu_tags.screens import HANDLERS

    return [TagController, *HANDLERS]


@hookimpl
def register_commands():
    from kehu_tags.cli import tags_group

    return [tags_group]
