"""Where each IRI of the dataset lives on the web server and in the static site.

The server is mounted at the root of the ``https://w3id.org/treatykg/`` namespace, so an IRI's
path is the part after it: ``…/id/state/prk`` is served at ``/id/state/prk``, and its
documents at ``/id/state/prk.ttl``, ``.jsonld``, ``.nt`` and ``.html``. Hash IRIs
(``…/def#State``) live in the document of the part before ``#``, as the Cool URIs note
advises for a vocabulary.

A page exists in each language of :mod:`treatykg.web.languages`: ``/id/state/prk.html`` in
English, ``/id/state/prk.ko.html`` in Korean; links between pages stay in the page's language.

Links inside pages are *relative* (``../../eli/treaty/2024/csp.html``), so the same pages work
on ``treatykg serve``, in a static site under any sub-path, and on a local disk, and no link
depends on the ``Host`` header a client sent.
"""

from __future__ import annotations

import posixpath

from treatykg.namespaces import BASE
from treatykg.rdf.formats import DOCUMENT_FORMATS
from treatykg.web import languages

#: Document suffixes (``ttl``) with the Content-Type each is served with, in the server's
#: order of preference when a client has no preference among them; HTML comes first so that
#: a browser always gets a page.
SUFFIXES: dict[str, str] = {f.extension: f.content_type for f in DOCUMENT_FORMATS}


def path_of(iri: str) -> str | None:
    """The server path of the document of ``iri`` (fragment dropped), or None if it is
    not under :data:`~treatykg.namespaces.BASE`."""
    if not iri.startswith(BASE):
        return None
    return "/" + iri[len(BASE) :].split("#", 1)[0]


def iri_of(path: str) -> str:
    """The IRI that the server path ``path`` (``/id/state/prk``) stands for."""
    return BASE + path.lstrip("/")


def document(path: str, suffix: str, language: str = languages.DEFAULT) -> str:
    """``/id/state/prk`` + ``ttl`` → ``/id/state/prk.ttl``; the root's page is ``/index.html``.
    A page (``html``) in another language than the default has it before the suffix:
    ``/id/state/prk.ko.html``; the RDF documents carry every language and have one path."""
    stem = "/index" if path in ("", "/") else path
    if suffix == "html":
        stem = languages.tagged(stem, language)
    return f"{stem}.{suffix}"


def relative(from_document: str, to_document: str) -> str:
    """A relative reference from one document path to another (both absolute paths),
    e.g. ``/id/state/prk.html`` → ``/eli/treaty/2024/csp.html`` gives
    ``../../eli/treaty/2024/csp.html``."""
    start = posixpath.dirname(from_document) or "/"
    return posixpath.relpath(to_document, start)


def href(
    from_document: str, iri: str, suffix: str = "html", language: str = languages.DEFAULT
) -> str:
    """Where a page at ``from_document`` links for ``iri``: our own document for our IRIs
    (keeping the fragment, so ``def#State`` lands on its anchor; a page in ``language``), the
    IRI itself otherwise."""
    path = path_of(iri)
    if path is None:
        return iri
    fragment = iri.partition("#")[2]
    target = relative(from_document, document(path, suffix, language))
    return f"{target}#{fragment}" if fragment else target
