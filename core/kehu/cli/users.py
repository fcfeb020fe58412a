"""`kehu users add|passwd|token|list`: accounts from a terminal (the first admin, scripts, CI).

Passwords are read from a hidden prompt (asked twice), or from standard input with
`--password-stdin` (one line), never from the command line where `ps` and shell history see them.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import func, select

from kehu.cli.output import fail, field_error_lines, table
from kehu.cli.state import State, _state
from kehu.errors import ValidationFailed

OPTION_NAMES = {"username": "USERNAME", "display_name": "--name", "department": "--department",
                "password": "--password", "name": "--name", "expires_days": "--expires-days"}


def _refused(state: State, exc: ValidationFailed) -> None:
    from kehu import accounts

    labels = {key: accounts.label(key, state.lang) for key in accounts.LABELS}
    fail("\n".join([exc.message(state.lang), *field_error_lines(exc.errors, state.lang, labels, OPTION_NAMES)]))


def _read_password(state: State, from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt(state.t("密码", "Password"), hide_input=True,
                        confirmation_prompt=state.t("再次输入密码", "Repeat the password"))


def _find(state: State, session, username: str):
    from kehu.models import User

    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        fail(state.t(f"没有用户名为“{username}”的用户", f"There is no user named \"{username}\""))
    return user


@click.group()
def users() -> None:
    """管理用户和登录 / Users: add, set passwords, API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="显示名 / Display name, e.g. 王芳.")
@click.option("--department", default=None, help="部门名称 / Department name.")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="不设密码（不能登录）/ No password (cannot sign in).")
@click.pass_context
def users_add(ctx: click.Context, username: str, display_name: str, department: str | None,
              password_stdin: bool, no_password: bool) -> None:
    """添加用户 / Add a user who signs in with USERNAME."""
    from kehu import accounts

    state = _state(ctx)
    app = state.app
    password = None if no_password else _read_password(state, password_stdin)
    try:
        with app.db.write() as session:
            user = accounts.create_user(session, username, display_name, department=department, password=password)
            name, shown = user.username, user.display_name
    except ValidationFailed as exc:
        _refused(state, exc)
    click.echo(state.t(f"已添加用户 {name}（{shown}）。", f"Added user {name} ({shown})."))


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / Read the password from standard input.")
@click.pass_context
def users_passwd(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """设置新密码（并解除锁定）/ Set a new password (and unlock the account)."""
    from kehu import accounts
    from kehu.actors import SYSTEM_USERNAME

    state = _state(ctx)
    app = state.app
    with app.db.read() as session:
        name = _find(state, session, username).username
    if name == SYSTEM_USERNAME:
        fail(state.t("系统用户不能登录，不能设置密码", "The system user cannot sign in and has no password"))
    password = _read_password(state, password_stdin)
    try:
        with app.db.write() as session:
            accounts.set_password(session, _find(state, session, name), password)
    except ValidationFailed as exc:
        _refused(state, exc)
    click.echo(state.t(f"已为 {name} 设置新密码；其已登录的会话均已结束。",
                       f"A new password is set for {name}; their signed-in sessions have ended."))


@users.command("token")
@click.argument("username")
@click.option("--name", "token_name", required=True, help="令牌用途 / What the token is for, e.g. 报表脚本.")
@click.option("--expires-days", type=int, default=None, help="有效天数（默认不过期）/ Days it lasts (default: until revoked).")
@click.pass_context
def users_token(ctx: click.Context, username: str, token_name: str, expires_days: int | None) -> None:
    """创建个人 API 令牌并显示一次 / Create a personal API token and print it once."""
    from kehu import accounts
    from kehu.actors import SYSTEM_USERNAME

    state = _state(ctx)
    app = state.app
    try:
        with app.db.write() as session:
            user = _find(state, session, username)
            if user.username == SYSTEM_USERNAME or not user.is_active:
                fail(state.t(f"用户 {user.username} 不能使用令牌", f"User {user.username} cannot have tokens"))
            secret, _ = accounts.create_token(session, user, token_name, expires_days=expires_days)
    except ValidationFailed as exc:
        _refused(state, exc)
    click.echo(secret)
    click.echo(state.t("请立即保存：令牌只显示这一次。用法：Authorization: Bearer <令牌>",
                       "Keep it now: it is shown only this once. Use: Authorization: Bearer <token>"), err=True)


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """列出用户 / List users: department, sign-in, lock, tokens."""
    from kehu import accounts
    from kehu.models import ApiToken, Department, User

    state = _state(ctx)
    app = state.app
    with app.db.read() as session:
        tokens = dict(session.execute(select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None))
                                      .group_by(ApiToken.user_id)).all())
        rows = session.execute(select(User, Department.name).outerjoin(Department, Department.id == User.department_id)
                               .order_by(User.username)).all()
    yes, no = state.t("是", "yes"), state.t("否", "no")
    out = []
    for user, department in rows:
        status = state.t("在职", "active") if user.is_active else state.t("停用", "inactive")
        if user.is_active and accounts.is_locked(user):
            status = state.t("已锁定", "locked")
        out.append((user.username, user.display_name, department or "", status,
                    yes if user.password_hash else no, tokens.get(user.id, 0), user.language or ""))
    headers = state.t("用户名 显示名 部门 状态 可登录 令牌 语言", "username name department status sign-in tokens language")
    click.echo(table(headers.split(), out))
