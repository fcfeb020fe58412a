"""kehu-hello: what a third-party plugin looks like (README, "Writing a plugin").

It adds a field (the customer's WeChat group), a filter (key accounts: grade A with at least
1,000,000 元), an API route (GET /api/hello/key-accounts) and a reaction to saves (a greeting
logged for every new customer, in words from its own zh_CN catalog).  Nothing in core changes.
"""

from pathlib import Path

from litestar import get
from sqlalchemy import and_

from kehu.fields import FieldDef, FieldType, Storage
from kehu.hookspecs import hookimpl
from kehu.i18n import N_, gettext, register_catalog
from kehu.models import Customer
from kehu.plugins import Manifest
from kehu.query import FilterDef, count_customers, parse_conditions
from kehu.web import ActorDep, KehuDep

GREETINGS: list[str] = []  # what the save reaction did, for the curious (and the tests)

# Messages are English msgids; locale/zh_CN/LC_MESSAGES/kehu_hello.po translates them (packaged
# with the module: hatchling puts every file of the package in the wheel).
register_catalog(Path(__file__).parent / "locale", "kehu_hello")


@hookimpl
def register_manifest():
    return Manifest(name="hello", label_zh="示例插件", label_en="Hello example", version="0.1.0")


@hookimpl
def register_fields():
    return [
        FieldDef("wechat_group", FieldType.TEXT, "微信群", "WeChat group", "contact",
                 max_length=50, storage=Storage.CUSTOM, filterable=True, listed=True, plugin="hello"),
    ]


def key_accounts(op, value):
    condition = and_(Customer.grade == "A", Customer.cumulative_amount >= 1_000_000)
    return condition if value else ~condition


@hookimpl
def register_filters():
    return [FilterDef("key_account", "重点客户", "Key account", ("eq",), key_accounts,
                      value_type=FieldType.BOOLEAN, plugin="hello")]


@get("/api/hello/key-accounts", sync_to_thread=True)
def key_account_count(kehu: KehuDep, actor: ActorDep) -> dict:
    with kehu.db.read() as session:
        conditions = parse_conditions(kehu, {"key_account": "true"})
        return {"key_accounts": count_customers(kehu, session, actor, conditions)}


@hookimpl
def register_routes():
    return [key_account_count]


@hookimpl
def customers_saved(saved):
    for item in saved:
        if item.action == "create":
            greeting = gettext("zh", N_("Welcome, new customer {name} ({code})"))
            GREETINGS.append(greeting.format(name=item.customer.name, code=item.customer.code))
