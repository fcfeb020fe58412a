"""Tag operations (SPEC B1, B2).  Every public function takes the app and the acting user.

Two kinds of writes:

- A customer's own tags change through core's service layer (`kehu.records`): the `tags` field
  is cleaned by core, canonicalised and checked here (`canonical_names`, from the
  `customer_validate` hook), logged by core, and written here (`write_links`, from the
  `customers_saved` hook) — in the customer's transaction, with the customer's version check.
- Admins review the vocabulary: `create_tag`, `rename_tag`, `merge_tags`, `delete_tag`.  Each runs
  in one transaction and writes, for every customer whose tags it changes, a history row
  (action "tag_rename" / "tag_merge" / "tag_delete", field "tags", old and new tag lists) and a
  `customers_saved` call with the same action, so the search index and other plugins follow.

Admin operations do not bump the customers' version.  They relabel a shared vocabulary across
possibly thousands of customers; bumping would make every edit form open on any of them fail
with "changed by somebody else" although nothing the user sees in the form's other fields
changed.  What could go wrong instead — a form opened before the change sending the old tag
names back — is handled by keeping the old names as aliases (`TagAlias`): an old name resolves to
the tag it became (renamed or merged into), both when saving a customer and when filtering, so a
stale form neither resurrects the old tag nor undoes the merge.  (A stale form that names a
*deleted* tag recreates it, as typing any new valid name does; the history shows both steps.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kehu.actors import Actor
from kehu.fields import Access
from kehu.errors import FieldError, Forbidden, NotFound, ValidationFailed
from kehu.models import ChangeLog, Customer, User
from kehu.query import base_conditions
from kehu.records import Saved
from kehu.timeutil import now
from kehu.validation import Invalid, normalize_text
from kehu_tags import names as rules
from kehu_tags.models import CustomerTag, Tag, TagAlias

FIELD = "tags"  # the customer field this plugin contributes
RESOURCE = "tag"  # the resource permission plugins are asked about
DESCRIPTION_LENGTH = 500
CHUNK = 500  # customers per history batch / customers_saved call / IN list


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- Reading -------------------------------------------------------------------------------


def tag_names(session: Session, customer_ids: Iterable[int]) -> dict[int, list[str]]:
    """{customer id: sorted tag names} for the customers that carry any (one query per 500 ids)."""
    result: dict[int, list[str]] = {}
    for chunk in _chunks(list(customer_ids)):
        rows = session.execute(
            select(CustomerTag.customer_id, Tag.name)
            .join(Tag, Tag.id == CustomerTag.tag_id)
            .where(CustomerTag.customer_id.in_(chunk))
        )
        for customer_id, name in rows:
            result.setdefault(customer_id, []).append(name)
    for tag_list in result.values():
        tag_list.sort()
    return result


def resolve(session: Session, names: Iterable[str]) -> dict[str, str]:
    """{former name: current name} for those of `names` that are aliases of a tag."""
    names = list(names)
    if not names:
        return {}
    stmt = select(TagAlias.name, Tag.name).join(Tag, Tag.id == TagAlias.tag_id).where(TagAlias.name.in_(names))
    return dict(session.execute(stmt).all())


def list_tags(app, actor: Actor, *, dimension: str | None = None, tag_id: int | None = None) -> list[dict[str, Any]]:
    """Every tag with its usage: the customers (not deleted, within the actor's scope) carrying it.

    Somebody who may not see the `tags` field of customers may not read the vocabulary either:
    its usage counts would tell which of the customers they see carry which tags.
    """
    app.authorize(actor, "read", RESOURCE)
    if app.field_access(actor).get(FIELD) in (Access.HIDDEN, Access.MASKED):
        raise Forbidden(action="read", resource=RESOURCE)
    with app.db.read() as session:
        return read_tags(app, session, actor, dimension=dimension, tag_id=tag_id)


def read_tags(app, session: Session, actor: Actor, *, dimension: str | None = None, tag_id: int | None = None,
              names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """`list_tags` in the caller's session (hooks answering for a screen), without the permission check.

    `names` narrows it to the tags so named (a customer's tags on its detail screen).
    """
    wanted = []  # conditions on Tag; the usage count is narrowed to the same tags
    if dimension:
        wanted.append(Tag.dimension == rules.normalise(dimension))
    if tag_id is not None:
        wanted.append(Tag.id == tag_id)
    if names is not None:
        wanted.append(Tag.name.in_(list(names)))
    usage = (
        select(CustomerTag.tag_id, func.count().label("n"))
        .join(Customer, Customer.id == CustomerTag.customer_id)
        .where(*base_conditions(app, actor, include_hidden=True))
        .group_by(CustomerTag.tag_id)
    )
    if wanted:
        usage = usage.where(CustomerTag.tag_id.in_(select(Tag.id).where(*wanted)))
    usage = usage.subquery()
    stmt = (
        select(Tag, func.coalesce(usage.c.n, 0), User.username)
        .outerjoin(usage, usage.c.tag_id == Tag.id)
        .outerjoin(User, User.id == Tag.created_by_id)
        .where(*wanted)
    )
    aliased = select(TagAlias.tag_id, TagAlias.name)
    if wanted:
        aliased = aliased.where(TagAlias.tag_id.in_(select(Tag.id).where(*wanted)))
    rows = session.execute(stmt).all()
    aliases: dict[int, list[str]] = {}
    for owner, name in session.execute(aliased):
        aliases.setdefault(owner, []).append(name)
    views = [tag_view(tag, usage_count, username, aliases.get(tag.id, [])) for tag, usage_count, username in rows]
    return sorted(views, key=lambda v: (v["dimension"], v["name"]))


def tag_view(tag: Tag, usage: int | None = None, created_by: str | None = None,
             aliases: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "id": tag.id,
        "name": tag.name,
        "dimension": tag.dimension,
        "value": tag.name.partition(rules.SEPARATOR)[2],
        "description": tag.description,
        "usage": usage,
        "aliases": sorted(aliases),
        "created_at": tag.created_at.isoformat() if tag.created_at else None,
        "created_by": created_by,
    }


def vocabulary(session: Session) -> list[dict[str, Any]]:
    """Every tag's name, dimension, value and description, by dimension — no usage counts.

    Cheap enough for every customer form and list page (the picker and the filter panel).
    """
    rows = session.execute(select(Tag.name, Tag.dimension, Tag.description))
    # Sorted here, as `list_tags` does: the databases' collations order Chinese differently.
    return [{"name": name, "dimension": dimension, "value": name.partition(rules.SEPARATOR)[2],
             "description": description} for name, dimension, description in sorted(rows, key=lambda r: (r[1], r[0]))]


def get_tag(app, actor: Actor, tag_id: int) -> dict[str, Any]:
    found = list_tags(app, actor, tag_id=int(tag_id))
    if not found:
        raise NotFound(tag=tag_id)
    return found[0]


# --- A customer's tags (called from the hooks, inside the customer's transaction) -----------


def canonical_names(app, session: Session, actor: Actor, raw_names: Iterable[Any],
                    customer_id: int | None = None) -> tuple[list[str], list[FieldError]]:
    """Names checked against the rules, former names resolved, sorted; or the errors.

    A name no tag has yet is accepted when it follows the rules (the tag is created on save),
    unless a permissions plugin refuses the actor "create" on "tag".  The tags involved (named,
    former names', the customer's current ones) are share-locked first, before core writes the
    save's history row: a concurrent merge either finishes before this save reads them or waits
    for it to commit, so every history row describes a real sequence of states.
    """
    checked: list[str] = []
    errors: list[FieldError] = []
    for raw in raw_names:
        try:
            checked.append(rules.check(raw))
        except Invalid as exc:
            errors.append(FieldError(FIELD, exc.rule, exc.params))
    if errors:
        return [], errors
    involved = or_(Tag.name.in_(checked),
                   Tag.id.in_(select(TagAlias.tag_id).where(TagAlias.name.in_(checked))))
    if customer_id is not None:
        involved = or_(involved, Tag.id.in_(select(CustomerTag.tag_id).where(CustomerTag.customer_id == customer_id)))
    session.execute(_share_locked(session, select(Tag.id).where(involved))).all()
    renamed = resolve(session, checked)
    result = sorted({renamed.get(n, n) for n in checked})
    new = set(result) - set(session.scalars(select(Tag.name).where(Tag.name.in_(result))))
    if new and not app.allowed(actor, "create", RESOURCE):
        return [], [FieldError(FIELD, "tags_not_allowed", {"name": n}) for n in sorted(new)]
    return result, []


def ensure_tags(session: Session, actor: Actor, names: Iterable[str]) -> dict[str, int]:
    """{name: tag id}, creating the tags that do not exist yet (canonical names only).

    An insert that skips names created meanwhile by a concurrent save, so two people typing the
    same new tag at once both succeed.
    """
    names = sorted(set(names))
    if not names:
        return {}
    found = dict(session.execute(_share_locked(session, select(Tag.name, Tag.id).where(Tag.name.in_(names)))).all())
    missing = [n for n in names if n not in found]
    if missing:  # merged or renamed away while this save waited: follow the former name
        found.update(session.execute(select(TagAlias.name, TagAlias.tag_id).where(TagAlias.name.in_(missing))).all())
        missing = [n for n in missing if n not in found]
    if missing:
        dialect_insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
        moment = now()
        rows = [{"name": n, "dimension": rules.dimension_of(n), "created_at": moment, "created_by_id": actor.id}
                for n in missing]
        session.execute(dialect_insert(Tag).values(rows).on_conflict_do_nothing(index_elements=["name"]))
        found.update(session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(missing))).all())
    return found


def _share_locked(session: Session, stmt):
    """On PostgreSQL, hold the tags read (FOR SHARE, in id order) until commit.

    A save locks the tags it touches before writing links; a merge or delete locks its tags for
    update first.  Whoever comes second waits, then sees what the first committed: no link to a
    vanished tag, no history row computed from a state that was about to change.
    """
    if session.bind.dialect.name != "postgresql":
        return stmt  # SQLite: BEGIN IMMEDIATE already serialises writers
    return stmt.order_by(Tag.id).with_for_update(read=True, of=Tag)


def write_links(session: Session, actor: Actor, wanted: Mapping[int, Sequence[str] | None]) -> None:
    """Make each customer of `wanted` carry exactly the tags named there (canonical names).

    One batch for all customers: current links in one query, new tags in one insert, new links
    in one insert; links kept keep their `tagged_at` and `tagged_by`.
    """
    if not wanted:
        return
    ids = ensure_tags(session, actor, (n for tag_list in wanted.values() for n in tag_list or ()))
    current: dict[int, set[int]] = {cid: set() for cid in wanted}
    for chunk in _chunks(list(wanted)):
        rows = session.execute(
            select(CustomerTag.customer_id, CustomerTag.tag_id).where(CustomerTag.customer_id.in_(chunk)))
        for customer_id, tag_id in rows:
            current[customer_id].add(tag_id)
    linked = set().union(*current.values())
    if linked:  # the tags being unlinked are locked too, so a merge cannot move them meanwhile
        session.execute(_share_locked(session, select(Tag.id).where(Tag.id.in_(sorted(linked))))).all()
    moment = now()
    added = []
    for customer_id, tag_list in wanted.items():
        target = {ids[n] for n in tag_list or ()}
        gone = current[customer_id] - target
        if gone:
            session.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer_id,
                                                      CustomerTag.tag_id.in_(gone)))
        added += [{"customer_id": customer_id, "tag_id": t, "tagged_at": moment, "tagged_by_id": actor.id}
                  for t in sorted(target - current[customer_id])]
    if added:
        session.execute(insert(CustomerTag), added)


# --- The vocabulary (admins) ---------------------------------------------------------------


def _name(raw: Any, key: str = "name") -> str:
    try:
        return rules.check(raw)
    except Invalid as exc:
        raise ValidationFailed([FieldError(key, exc.rule, exc.params)]) from None


def _description(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValidationFailed([FieldError("description", "not_text")])
    try:
        text = normalize_text(raw, multiline=True)
    except Invalid as exc:  # control characters
        raise ValidationFailed([FieldError("description", exc.rule, exc.params)]) from None
    if len(text) > DESCRIPTION_LENGTH:
        raise ValidationFailed([FieldError("description", "too_long", {"max": DESCRIPTION_LENGTH})])
    return text or None


def _take_name(session: Session, name: str, tag_id: int | None = None) -> None:
    """Make `name` available to tag `tag_id` (or a new tag): refused when another tag has it.

    A former name (alias) of some tag is given up: the admin's explicit choice wins.
    """
    other = session.scalar(select(Tag.id).where(Tag.name == name))
    if other is not None and other != tag_id:
        raise ValidationFailed([FieldError("name", "tags_exists", {"name": name})])
    session.execute(delete(TagAlias).where(TagAlias.name == name))


def _tag_id(tag_id: Any, key: str | None = None) -> int:
    try:
        return int(tag_id)
    except (TypeError, ValueError):
        raise ValidationFailed([FieldError(key or "id", "invalid_integer")]) from None


def _locked(session: Session, tag_id: Any, key: str | None = None) -> Tag:
    """The tag, locked against concurrent link writes until commit (PostgreSQL; SQLite serialises)."""
    tag_id = _tag_id(tag_id, key)
    stmt = select(Tag).where(Tag.id == tag_id)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    tag = session.scalar(stmt)
    if tag is None:
        if key:  # a tag named in the body: a field error, not a missing resource
            raise ValidationFailed([FieldError(key, "tags_unknown", {"id": tag_id})])
        raise NotFound(tag=tag_id)
    return tag


def _carriers(session: Session, tag_ids: Iterable[int]) -> list[int]:
    """Every customer carrying one of the tags, deleted ones included (their history matters too)."""
    stmt = select(CustomerTag.customer_id).where(CustomerTag.tag_id.in_(list(tag_ids))).distinct()
    return sorted(session.scalars(stmt))


def _record(app, session: Session, actor: Actor, action: str, before: Mapping[int, list[str]],
            customer_ids: Sequence[int], reason: str | None) -> None:
    """History rows and `customers_saved` for customers whose tags an admin operation changed."""
    session.flush()
    after = tag_names(session, customer_ids)
    moment = now()
    for chunk in _chunks(customer_ids):
        changes = {cid: (before.get(cid) or None, after.get(cid) or None) for cid in chunk}
        session.execute(insert(ChangeLog), [
            {"customer_id": cid, "at": moment, "actor_id": actor.id, "action": action, "field": FIELD,
             "old": old, "new": new, "reason": reason}
            for cid, (old, new) in changes.items()
        ])
        customers = session.scalars(select(Customer).where(Customer.id.in_(chunk)).order_by(Customer.id))
        saved = [Saved(c, action, {FIELD: changes[c.id]}) for c in customers]
        app.hook.customers_saved(app=app, session=session, actor=actor, saved=saved)


def create_tag(app, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A new, unused tag: {"name": "区域-华东", "description": "..."}."""
    app.authorize(actor, "create", RESOURCE)
    name = _name(data.get("name"))
    description = _description(data.get("description"))
    with app.db.write() as session:
        _take_name(session, name)
        tag = Tag(name=name, dimension=rules.dimension_of(name), description=description,
                  created_at=now(), created_by_id=actor.id)
        session.add(tag)
        session.flush()
        return tag_view(tag, 0, actor.username)


def update_tag(app, actor: Actor, tag_id: int, data: Mapping[str, Any], *, reason: str | None = None) -> dict[str, Any]:
    """Rename a tag and/or change its description ({"name": ..., "description": ...}), in one transaction."""
    if "name" in data:
        app.authorize(actor, "rename", RESOURCE)
        name = _name(data["name"])
    if "description" in data:
        app.authorize(actor, "update", RESOURCE)
        description = _description(data["description"])
    with app.db.write() as session:
        tag = _locked(session, tag_id)
        if "description" in data:
            tag.description = description
        if "name" in data:
            _rename(app, session, actor, tag, name, reason)
    return get_tag(app, actor, tag.id)


def rename_tag(app, actor: Actor, tag_id: int, new_name: Any, *, reason: str | None = None) -> dict[str, Any]:
    """Rename a tag: every link stays; each customer carrying it gets a "tag_rename" history row.

    The old name stays a former name (alias) of the tag, so saved filters and open forms naming it
    still find it.
    """
    return update_tag(app, actor, tag_id, {"name": new_name}, reason=reason)


def _rename(app, session: Session, actor: Actor, tag: Tag, name: str, reason: str | None) -> None:
    if name == tag.name:
        return
    _take_name(session, name, tag.id)
    carriers = _carriers(session, [tag.id])
    before = tag_names(session, carriers)
    session.add(TagAlias(name=tag.name, tag_id=tag.id, created_at=now(), created_by_id=actor.id))
    tag.name, tag.dimension = name, rules.dimension_of(name)
    _record(app, session, actor, "tag_rename", before, carriers, reason)


def merge_tags(app, actor: Actor, tag_id: int, into: Any, *, reason: str | None = None) -> dict[str, Any]:
    """Merge tag `tag_id` into tag `into`: links move, duplicates collapse, the first tag goes.

    Nothing it classified is lost: its customers carry `into`, its name (and former names) become
    former names of `into`, its description is kept when `into` has none, and each customer
    carrying it gets a "tag_merge" history row.
    """
    app.authorize(actor, "merge", RESOURCE)
    with app.db.write() as session:
        # Both tags locked in id order: two opposite merges at once wait for each other, never deadlock.
        ids = {"source": _tag_id(tag_id), "into": _tag_id(into, "into")}
        locked = {role: _locked(session, ids[role], key="into" if role == "into" else None)
                  for role in sorted(ids, key=ids.get)}
        source, target = locked["source"], locked["into"]
        if source.id == target.id:
            raise ValidationFailed([FieldError("into", "tags_merge_self")])
        carriers = _carriers(session, [source.id])
        before = tag_names(session, carriers)
        both = select(CustomerTag.customer_id).where(CustomerTag.tag_id == target.id)
        session.execute(
            update(CustomerTag)
            .where(CustomerTag.tag_id == source.id, CustomerTag.customer_id.not_in(both))
            .values(tag_id=target.id)
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(CustomerTag).where(CustomerTag.tag_id == source.id)
                        .execution_options(synchronize_session=False))
        session.execute(update(TagAlias).where(TagAlias.tag_id == source.id).values(tag_id=target.id)
                        .execution_options(synchronize_session=False))
        if not target.description and source.description:
            target.description = source.description
        old_name = source.name
        session.delete(source)
        session.flush()
        session.add(TagAlias(name=old_name, tag_id=target.id, created_at=now(), created_by_id=actor.id))
        _record(app, session, actor, "tag_merge", before, carriers, reason)
        result = {"merged": old_name, "into": tag_view(target), "customers": len(carriers)}
    result["into"] = get_tag(app, actor, result["into"]["id"])
    return result


def delete_tag(app, actor: Actor, tag_id: int, *, reason: str | None = None) -> dict[str, Any]:
    """Remove a tag and its links; each customer that carried it gets a "tag_delete" history row."""
    app.authorize(actor, "delete", RESOURCE)
    with app.db.write() as session:
        tag = _locked(session, tag_id)
        carriers = _carriers(session, [tag.id])
        before = tag_names(session, carriers)
        name = tag.name
        session.execute(delete(CustomerTag).where(CustomerTag.tag_id == tag.id)
                        .execution_options(synchronize_session=False))
        session.execute(delete(TagAlias).where(TagAlias.tag_id == tag.id)
                        .execution_options(synchronize_session=False))
        session.delete(tag)
        _record(app, session, actor, "tag_delete", before, carriers, reason)
        return {"id": int(tag_id), "name": name, "deleted": True, "customers": len(carriers)}
