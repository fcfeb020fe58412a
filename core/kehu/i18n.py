"""Translations through gettext catalogs (Babel): msgids are English, `zh_CN` catalogs translate.

Core's catalog is `core/kehu/locale/zh_CN/LC_MESSAGES/kehu.po`; a plugin ships its own catalog
under its package (`kehu_tags/locale/zh_CN/LC_MESSAGES/kehu_tags.po`) and registers it at import:

    from kehu.i18n import register_catalog
    register_catalog(Path(__file__).parent / "locale", "kehu_tags")

The .po files are read with Babel when first needed (no compiled .mo to fall out of date).
Mark a string for extraction without translating it yet with `N_("...")`; translate it for a
reader with `gettext(lang, "...")`.  English needs no catalog: the msgid is the English text.
"""

from __future__ import annotations

import gettext as _gettext
import io
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("zh", "en")
LOCALES = {"zh": "zh_CN", "en": "en"}
CORE_LOCALE_DIR = Path(__file__).parent / "locale"

_catalogs: list[tuple[Path, str]] = [(CORE_LOCALE_DIR, "kehu")]
_loaded: dict[str, _gettext.NullTranslations] = {}
_lock = threading.Lock()


def N_(message: str) -> str:
    """Marks `message` for the catalog; translated later, where the reader's language is known."""
    return message


def register_catalog(locale_dir: Path, domain: str) -> None:
    """Add a plugin's catalogs (`<locale_dir>/<locale>/LC_MESSAGES/<domain>.po`)."""
    with _lock:
        if (locale_dir, domain) not in _catalogs:
            _catalogs.append((locale_dir, domain))
            _loaded.clear()


def load_po(path: Path) -> Translations:
    """A .po file as gettext translations (fuzzy entries are left out, as msgfmt does)."""
    with path.open("rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def translations(lang: str) -> _gettext.NullTranslations:
    """Core's and every registered plugin's catalog for `lang` ('zh' or 'en'), merged."""
    found = _loaded.get(lang)
    if found is not None:
        return found
    with _lock:
        merged: _gettext.NullTranslations = _gettext.NullTranslations()
        locale = LOCALES.get(lang, "zh_CN")
        for locale_dir, domain in _catalogs:
            path = locale_dir / locale / "LC_MESSAGES" / f"{domain}.po"
            if not path.exists():
                continue
            loaded = load_po(path)
            if isinstance(merged, Translations):
                merged.merge(loaded)
            else:
                merged = loaded
        _loaded[lang] = merged
        return merged


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    return translations(lang).ngettext(singular, plural, n)
