"""The default roles of SPEC G1, seeded once at the plugin's first start and editable afterwards.

The mapping (the README's table says the same):

| Role | May do (Casbin rules) | Which customers (G2 level) | Fields |
|---|---|---|---|
| sales 销售 | list, read, change, export customers; read and create tags | own (owner = the user), up to confidential | basic profile (`@basic`), owner and department read only — changes go through G4 requests / the head; the rest in full |
| support 客服 | list, read, change customers; read and create tags | all, up to internal | contact information and preference tags (read and write), interactions read, name/type/code read; everything else hidden (identity numbers included) |
| marketing 市场 | list, read customers; read tags | all, up to internal | everything read only; ID numbers hidden, contact mobiles masked |
| department_head 部门负责人 | list (dormant/inactive too), read, create, change, export customers; read and create tags | department and below, up to confidential | everything |
| data_admin 数据管理员 | everything (`*` on `*`): deleted customers, restore, custom fields, users, departments, plugins, roles and policies | all, up to confidential | everything |

Not seeded, on purpose: sales may not *create* customers — core applies field access to a new
customer too, so a role that may not write the basic profile cannot fill a new one's name; new
profiles come from department heads (and G3's review workflow later).  Nobody but the data admin
deletes or restores customers or sees deleted ones.  Seeding writes through the service layer,
so the defaults pass the same checks as an admin's edit and appear in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kehu.fields import Access


@dataclass(frozen=True)
class DefaultRole:
    key: str
    label_zh: str
    label_en: str
    description: str
    policies: tuple[dict[str, Any], ...]
    field_rules: dict[str, str] = field(default_factory=dict)


def allow(resource: str, action: str, scope: str | None = None, level: str | None = None) -> dict[str, Any]:
    return {"resource": resource, "action": action, "effect": "allow", "scope": scope, "level": level}


def _customers(scope: str, level: str, *actions: str) -> tuple[dict[str, Any], ...]:
    """Allow rules on customer actions: row actions get the scope and level, the others none."""
    from kehu_permissions.vocabulary import needs_scope

    return tuple(allow("customer", a, scope, level) if needs_scope("allow", "customer", a)
                 else allow("customer", a) for a in actions)


G1_ROLES: tuple[DefaultRole, ...] = (
    DefaultRole(
        "sales", "销售", "Sales",
        "负责自己的客户：查看全部信息、修改业务与联系信息、导出；不能直接修改基础信息（走变更申请）。"
        " / Own customers in full; may not change the basic profile directly (G1).",
        _customers("own", "confidential", "list", "read", "update", "export")
        + (allow("tag", "read"), allow("tag", "create")),
        # Owner and department decide who sees a customer: moving one is the head's decision.
        {"@basic": Access.READ, "owner": Access.READ, "department": Access.READ},
    ),
    DefaultRole(
        "support", "客服", "Support",
        "只看联系信息和偏好标签（可维护），互动记录只读；身份证号等其他信息不可见。"
        " / Contact information and preference tags only (G1).",
        _customers("all", "internal", "list", "read", "update")
        + (allow("tag", "read"), allow("tag", "create")),
        {"*": Access.HIDDEN, "code": Access.READ, "name": Access.READ, "customer_type": Access.READ,
         "@contact": Access.WRITE, "@interactions": Access.READ, "@preferences": Access.WRITE},
    ),
    DefaultRole(
        "marketing", "市场", "Marketing",
        "按行业、地域、标签筛选全部客户（只读）；不看身份证号，手机号脱敏。"
        " / Filters all customers by industry, region and tags, read only; no ID numbers (G1).",
        _customers("all", "internal", "list", "read") + (allow("tag", "read"),),
        {"*": Access.READ, "id_number": Access.HIDDEN, "contacts.mobile": Access.MASKED},
    ),
    DefaultRole(
        "department_head", "部门负责人", "Department head",
        "查看并维护本部门及下级部门的全部客户（含休眠、停用），审批变更，导出。"
        " / The whole department and its sub-departments (G1).",
        _customers("subtree", "confidential", "list", "list_hidden", "read", "create", "update", "export")
        + (allow("tag", "read"), allow("tag", "create")),
    ),
    DefaultRole(
        "data_admin", "数据管理员", "Data admin",
        "全部权限：所有客户和字段、已删除客户、恢复、自定义字段、用户、部门、插件、角色与策略。"
        " / Everything, configuration included (G1).",
        (allow("*", "*", "all", "confidential"),),
    ),
)
