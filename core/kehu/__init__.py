"""kehu 客户 — customer records for companies: a small core and installable plugins.

Start with `kehu.app.Kehu` (the application object), `kehu.hookspecs` (every extension point),
`kehu.records` (the service layer every change goes through) and `kehu.query` (every read).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kehu")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0"
