"""The languages the pages are written in, and how a page's path says which one.

English, French, Russian and Korean: the languages of the treaty's authentic texts (Russian and
Korean), of the seed article (French) and of most sources. English is the default and keeps the
plain paths (``/id/state/prk.html``, ``/index.html``); a page in another language adds the
language before the suffix (``/id/state/prk.ko.html``, ``/index.fr.html``), so that every
language of every page has a path of its own that can be linked, cached and written to a static
site, where nothing negotiates. The RDF documents (``.ttl``, ``.jsonld``, ``.nt``) carry every
language and have no such variants.

This module has no heavy imports: the server and the URL helpers need it at start-up. The
translations and the date formats are in :mod:`treatykg.web.pages.i18n`.
"""

from __future__ import annotations

#: The languages of the pages, the default first.
LANGUAGES: tuple[str, ...] = ("en", "fr", "ru", "ko")
#: The language of the plain ``.html`` paths and of a request that states no preference.
DEFAULT = "en"
#: Each language's name in that language, for the language switch.
ENDONYMS: dict[str, str] = {"en": "English", "fr": "Français", "ru": "Русский", "ko": "한국어"}


def split(stem: str) -> tuple[str, str]:
    """``/id/state/prk.ko`` → (``/id/state/prk``, ``ko``); a stem without a language tag
    (``/id/state/prk``) is the default language's. Only the non-default languages are tags:
    ``prk.en.html`` is not a page (English is ``prk.html``), so each page has one path."""
    head, dot, tag = stem.rpartition(".")
    if dot and tag in LANGUAGES and tag != DEFAULT and "/" not in tag:
        return head, tag
    return stem, DEFAULT


def tagged(stem: str, language: str) -> str:
    """The inverse of :func:`split`: ``/id/state/prk`` in ``ko`` → ``/id/state/prk.ko``."""
    if language not in LANGUAGES:
        raise ValueError(f"no pages in {language!r}: the languages are {', '.join(LANGUAGES)}")
    return stem if language == DEFAULT else f"{stem}.{language}"


__all__ = ["DEFAULT", "ENDONYMS", "LANGUAGES", "split", "tagged"]
