"""``treatykg site``: the served documents and pages, written out as a static site.

A static host (Apache, GitHub Pages, an object store) can publish treatykg without running
Python. The site holds exactly what ``treatykg serve`` answers with, file for file:

* every resource's documents: ``id/state/prk.html``, ``.ttl``, ``.jsonld``, ``.nt``;
* ``index.html``, ``queries.html`` (query texts; running them needs a SPARQL endpoint),
  ``404.html``, ``.well-known/void``, and the build's own files (dumps, context, VoID);
* in a release built with ``--previous``, the page of every changeset it keeps
  (``dataset/changes/0.2.0.html``: the release carries them all, so a site written from the
  newest release keeps every published version's page) and their list
  (``dataset/changes.html``), beside the changesets' files (``changes-0.2.0.rdfp`` …);
* ``.htaccess``: the dereferencing rules for Apache when the site is served at the namespace
  root (``303`` from a resource IRI to the document that ``Accept`` asks for, ``Vary``,
  media types, and the CORS headers ``treatykg serve`` sends by default, from
  :func:`treatykg.web.cors.apache_rules`: every answer readable from any origin, preflights
  answered 204);
* ``w3id.htaccess``: the same rules for the permanent ``https://w3id.org/treatykg/``
  namespace, redirecting to wherever the site is hosted (``--site-url``), ready for a pull
  request to perma-id/w3id.org.

Apache's ``mod_rewrite`` cannot weigh q-values, so its rules test the ``Accept`` header for
substrings in a fixed order (HTML first, for browsers, then Turtle, JSON-LD, N-Triples);
``treatykg serve`` negotiates exactly. The site is written beside its target and swapped in
whole, like a build.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from treatykg import atomic
from treatykg.rdf.formats import DOCUMENT_FORMATS, Format, by_key
from treatykg.web import cors
from treatykg.web.documents import Documents
from treatykg.web.languages import DEFAULT, LANGUAGES


def _pattern(media_type: str) -> str:
    """A media type as a literal in an Apache (PCRE) regular expression."""
    return re.sub(r"([+.])", r"\\\1", media_type)


#: Order in which the Apache rules try media types (as patterns), with the document suffix
#: each leads to; the first whose type appears in Accept wins.
APACHE_ORDER: tuple[tuple[str, str], ...] = tuple(
    (_pattern(f.media_type), f.extension) for f in DOCUMENT_FORMATS
)
#: The document suffixes as one alternative in a pattern: ``html|ttl|jsonld|nt``.
_SUFFIXES = "|".join(f.extension for f in DOCUMENT_FORMATS)
#: The RDF files Apache must be told the media type of, in the rules' order.
_ADD_TYPES: tuple[Format, ...] = tuple(
    by_key(key) for key in ("turtle", "jsonld", "ntriples", "nquads", "trig")
)
#: Served with ``; charset=utf-8``, in the rules' order.
_CHARSET: tuple[Format, ...] = (by_key("turtle"), by_key("html"))


@dataclass(frozen=True)
class SiteResult:
    """What :func:`write_site` wrote."""

    out: Path
    files: int
    bytes: int
    resources: int


def write_site(
    build: str | Path,
    out: str | Path,
    *,
    site_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SiteResult:
    """Write the static site of ``build`` into ``out`` (replaced whole, only if complete)."""
    build, out = Path(build), Path(out)
    documents = Documents(build, endpoint=None)
    with atomic.staging(out) as stage:
        result = write_into(documents, stage, site_url=site_url, progress=progress)
    return SiteResult(out, result.files, result.bytes, result.resources)


def write_into(
    documents: Documents,
    stage: Path,
    *,
    site_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SiteResult:
    """Write the site into the existing empty directory ``stage``."""
    count = size = 0

    def put(path: str, body: bytes) -> None:
        nonlocal count, size
        target = stage / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        count += 1
        size += len(body)

    for name in documents.file_names:
        source = documents.file(name)
        assert source is not None
        shutil.copyfile(source, stage / name)
        count += 1
        size += source.stat().st_size
    put("/.well-known/void", (documents.build / "void.ttl").read_bytes())
    for path, document in documents.everything(progress):
        put(path, document.body)
    put("/404.html", documents.not_found("/404", "html").body)
    put("/.htaccess", htaccess(documents).encode())
    put("/w3id.htaccess", w3id_htaccess(documents, site_url).encode())
    return SiteResult(stage, count, size, len(documents.resources))


def _negotiation(target: Callable[[str], str], conditions: list[str]) -> list[str]:
    """The 303 rules: the first of our formats that ``Accept`` names, HTML when it names
    none; a page in the language that ``Accept-Language`` names first, if it is one of ours
    (Apache matches the header's first language only; ``treatykg serve`` weighs them all)."""
    lines = []

    def pages(accept: list[str]) -> list[str]:
        found = []
        for language in LANGUAGES:
            if language != DEFAULT:
                first = f"RewriteCond %{{HTTP:Accept-Language}} ^\\s*{language}(?![a-z]) [NC]"
                found += [*conditions, *accept, first, target(f"{language}.html")]
        return [*found, *conditions, *accept, target("html")]

    for accept, suffix in APACHE_ORDER:
        condition = [f"RewriteCond %{{HTTP_ACCEPT}} {accept}"]
        lines += pages(condition) if suffix == "html" else [*conditions, *condition, target(suffix)]
    return lines + pages([])


def _retired(documents: Documents, target: str) -> list[str]:
    """301 rules from each retired identifier (``tkg:replacedBy``), and its documents, to its
    successor's: the redirect docs/identifiers.md promises, as ``treatykg serve`` answers it."""
    if not documents.successors:
        return []
    lines = ["# Retired identifiers (tkg:replacedBy): moved for good to their successors."]
    for old, new in sorted(documents.successors.items()):
        pattern = re.escape(old.lstrip("/"))
        lines.append(
            f"RewriteRule ^{pattern}(\\.({_SUFFIXES}))?$ {target}{new.lstrip('/')}$1 [R=301,L]"
        )
    return lines


def htaccess(documents: Documents) -> str:
    """Apache rules for serving this directory at the root of the namespace."""
    lines = [
        "# treatykg static site: Apache 2.4 with mod_rewrite, mod_headers and mod_mime.",
        "# Serve this directory at the root of https://w3id.org/treatykg/ (or change",
        "# RewriteBase to the URL path it is served at). Written by `treatykg site`.",
        "Options -MultiViews -Indexes",
        "DirectoryIndex index.html",
        "ErrorDocument 404 /404.html",
        *(f"AddType {f.media_type} {f.suffix}" for f in _ADD_TYPES),
        "AddCharset utf-8 " + " ".join(f.suffix for f in _CHARSET),
        '<Files "void">',
        f"  ForceType {by_key('turtle').media_type}",
        "</Files>",
        'Header always set X-Content-Type-Options "nosniff"',
        *cors.apache_rules(),
        "",
        "RewriteEngine On",
        "RewriteBase /",
        *cors.APACHE_PREFLIGHT,
        *_retired(documents, ""),
        "# A resource IRI (a thing, not a document) answers 303 See Other to the document",
        "# that the Accept header asks for; HTML when it names none of our formats, in the",
        "# language Accept-Language names first (x.ko.html), English (x.html) otherwise.",
    ]
    conditions = [
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{REQUEST_FILENAME}.html -f",
    ]
    lines += _negotiation(lambda suffix: f"RewriteRule ^(.+)$ $1.{suffix} [R=303,L]", conditions)
    lines += [
        "",
        "# Tell caches that the redirect depends on Accept and Accept-Language.",
        'Header always merge Vary "Accept" "expr=%{REQUEST_STATUS} == 303"',
        'Header always merge Vary "Accept-Language" "expr=%{REQUEST_STATUS} == 303"',
    ]
    return "\n".join(lines) + "\n"


def w3id_htaccess(documents: Documents, site_url: str | None) -> str:
    """Rules for ``https://w3id.org/treatykg/.htaccess``: redirect every IRI to the hosted site."""
    target = (site_url or "https://treatykg.example.org/").rstrip("/") + "/"
    roots = sorted({path.strip("/").split("/", 1)[0] for path in documents.resources})
    things = "|".join(roots)
    lines = [
        f"# https://w3id.org/treatykg/ → {target}",
        "# For a pull request to https://github.com/perma-id/w3id.org (treatykg/.htaccess).",
        "# Written by `treatykg site`"
        + ("" if site_url else " (set --site-url to the real host before using it)")
        + ".",
        "Options -MultiViews",
        "RewriteEngine On",
        "",
        *_retired(documents, target),
        f"# Resource IRIs ({', '.join(roots)}): 303 to the document that Accept asks for.",
        "# Hash IRIs (def#State) reach the server without their fragment, as def.",
    ]
    for line in _negotiation(
        lambda suffix: f"RewriteRule ^(({things})(/.*)?)$ {target}$1.{suffix} [R=303,L]",
        [f"RewriteCond %{{REQUEST_URI}} !\\.({_SUFFIXES})$"],
    ):
        lines.append(line)
    lines += [
        "",
        "# Everything else (index, files, documents with a suffix): the same path there.",
        f"RewriteRule ^(.*)$ {target}$1 [R=302,L]",
    ]
    return "\n".join(lines) + "\n"


__all__ = ["SiteResult", "htaccess", "w3id_htaccess", "write_into", "write_site"]
