"""The languages of the pages: English, French, Russian and Korean.

The languages are those of the treaty's texts (Russian and Korean), of the seed article
(French) and of the sources; English is the default, at the plain ``.html`` paths. What a page
writes itself (headings, explanations, navigation) comes from a message catalogue per language,
``locales/{language}/LC_MESSAGES/messages.po``: plain gettext files that translators edit and
Babel reads. They are compiled in memory on first use, so the package ships no binary ``.mo``
file that could drift from its ``.po``. What the data says (labels, descriptions, wording) is
never translated: a page shows the data's text in its own language when the data has it, and
otherwise another language's, tagged with that language.

Dates are written as each language writes them (CLDR, through Babel): 19 June 2024,
19 juin 2024, 19 июня 2024 г., 2024년 6월 19일.
"""

from __future__ import annotations

import functools
import gettext
import io
from datetime import date
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from treatykg.web.languages import DEFAULT, LANGUAGES

#: The CLDR locale that writes each language's dates (British English, as the project writes).
_LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_FR", "ru": "ru_RU", "ko": "ko_KR"}

#: Where the message catalogues are.
LOCALE_DIR = Path(__file__).parent / "locales"


def catalogue_path(language: str) -> Path:
    """The ``.po`` file of ``language`` (there is none for English, the source language)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The interface's translations into ``language``, compiled from its catalogue once.

    English, the language the templates are written in, needs none. A fuzzy or empty entry
    is not used (Babel's rules): the English text shows instead, which the tests forbid."""
    if language not in LANGUAGES:
        raise ValueError(f"no pages in {language!r}: the languages are {', '.join(LANGUAGES)}")
    if language == DEFAULT:
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def date_text(value: date, language: str) -> str:
    """``value`` as ``language`` writes a date in running text."""
    return format_date(value, format="long", locale=_LOCALES[language])


def number_text(value: int, language: str) -> str:
    """``value`` as ``language`` writes a number: 21,000, 21 000, 21 000, 21,000."""
    return format_decimal(value, locale=_LOCALES[language])


__all__ = [
    "catalogue_path",
    "date_text",
    "number_text",
    "translations",
]
