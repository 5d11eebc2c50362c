"""Graph pictures laid out by Graphviz ``dot``: the DOT text we write, and running ``dot``.

Why Graphviz: placing nodes and routing labelled arrows so that they neither cross nor
overlap is a layout engine's job, and ``dot`` (Debian's ``graphviz`` package) is the one the
field uses; treatykg only writes the graph in DOT and tidies the SVG that comes back.

* **Escaping.** Every label, tooltip and link goes through :func:`quote`: a DOT string
  interprets ``\\`` escapes (``\\N`` is the node's name) and ``&…;`` entities, so both are
  neutralised; ``dot`` then escapes the text for XML itself.
* **Many graphs a run, but not all.** ``dot`` lays out many graphs in one run for the cost of
  one start, and a plain graph comes out as it does alone (the flagship's 456 neighbourhoods,
  in any order: ``tests/web/test_pictures.py`` checks it). A graph with clusters does not:
  Graphviz 2.43 lays it out differently after other graphs (the same graph twice in a run
  gives two SVGs), so a page would depend on which pages were drawn before it. So
  :meth:`Graphviz.prefetch` draws plain graphs :data:`BATCH` to a run and a graph with a
  cluster (:func:`needs_own_run`) in a run of its own; :meth:`Graphviz.draw` of a graph not
  prefetched is always a run of its own.
* **Speed and portable bytes.** Most of a ``dot`` start (13 ms of 15) is loading the
  Pango/Cairo plugin to measure text. :class:`Graphviz` points ``dot`` (``GVBINDIR``) at a
  private folder that lists only the ``core`` and ``dot_layout`` plugins, so ``dot`` starts
  in 2 ms and sizes text by its built-in font metrics: the same on every machine, whatever
  fonts it has. :meth:`Graphviz.prefetch` draws many graphs at once on all cores (a static
  site draws every page's pictures up front); :meth:`Graphviz.draw` draws one on demand;
  both keep what they drew, keyed by the DOT text. Where the plugins are not found, ``dot``
  runs as installed (slower, and its text sizes depend on the fonts).
* **Deterministic bytes.** The same DOT text gives the same SVG from the same Graphviz;
  :func:`tidy` drops the comments that name the Graphviz version.
* **Missing Graphviz** is not an error of the data: the picture is left out and the page
  says why (see :data:`MISSING`); ``treatykg serve`` and ``treatykg site`` warn once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import tempfile
import textwrap
import threading
import weakref
from collections.abc import Iterable, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

from treatykg.web.documents import Recent
from treatykg.web.pages.pictures.picture import marked as _

#: The Graphviz program that lays out the graph pictures.
COMMAND = "dot"
#: What a page says where a Graphviz picture would be, when ``dot`` is not installed (in
#: English; a page says it in its language).
MISSING = _(
    "This picture needs Graphviz (the dot command), which was not installed where the page "
    "was made."
)
#: How many plain graphs one ``dot`` run lays out at most.
BATCH = 50
#: What starts each graph's SVG in the output of a run of many.
_NEXT_SVG = re.compile(r"(?=<\?xml )")
#: How a node's language travels through ``dot``, which passes ``class`` on to the SVG and
#: drops anything it does not know: ``class="lang-ko"``, made ``lang="ko"`` by :func:`tidy`.
_LANG_CLASS = "lang-"
_LANG_MARK = re.compile(
    r'class="(node|edge) lang(?:-|&#45;)([A-Za-z]{1,8}(?:(?:-|&#45;)[A-Za-z0-9]{1,8})*)"'
)  # dot writes "-" as "&#45;" in attribute values

#: The prefix a run of many graphs adds to the ids of each graph's top ``<g>``.
_PAGE_ID = re.compile(r'\bid="page\d+,\d+_')
#: The plugins a picture needs: the SVG writer and the ``dot`` layout (no Pango, no Cairo).
PLUGINS = ("libgvplugin_core", "libgvplugin_dot_layout")
#: Where Graphviz installs its plugins, relative to a library folder.
_PLUGIN_FOLDERS = ("graphviz",)
#: Graphviz gives sizes in points; a CSS pixel is 3/4 of a point.
PX_PER_PT = 4 / 3
#: A picture narrower than its natural width is not shrunk below this share of it, so that
#: its 13 pt text stays above 11 px; on a small screen its frame scrolls instead.
MIN_SCALE = 0.65
#: Seconds a ``dot`` run may take before it is given up.
TIMEOUT = 120.0

_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_ROOT = re.compile(r"<svg\b[^>]*>", re.S)
_SIZE = re.compile(r'\b(width|height)="([0-9.]+)pt"')
_VIEWBOX = re.compile(r'viewBox="([^"]*)"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

#: The fonts of every picture: ``dot`` sizes text by its built-in Arial metrics for a font
#: list that starts with Helvetica or Arial (narrower Times metrics otherwise), and browsers
#: draw it in Helvetica, Arial or a metric twin such as Liberation Sans.
FONTS = "Helvetica,Arial,sans-serif"
#: The look every graph shares: sans-serif text, black on white, no colour that carries
#: meaning alone (line styles and words do), so that the pictures survive greyscale.
DEFAULTS = (
    f'graph [fontname="{FONTS}" fontsize=14 bgcolor="white" pad=0.2 nodesep=0.35 ranksep=0.6]\n'
    f'node [fontname="{FONTS}" fontsize=14 shape=box style="rounded,filled" fillcolor="white" '
    'color="#222222" penwidth=1.2 margin="0.12,0.06"]\n'
    f'edge [fontname="{FONTS}" fontsize=13 color="#222222" fontcolor="#222222" arrowsize=0.8]\n'
)


class GraphvizError(RuntimeError):
    """``dot`` failed on DOT text we wrote: a bug of ours, not of the data."""


def quote(text: str) -> str:
    """``text`` as a DOT double-quoted string that shows exactly ``text``."""
    text = _CONTROL.sub(" ", text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("&", "&amp;") + '"'


def quote_tip(text: str) -> str:
    """``text`` as a DOT string for a tooltip or a node's name, which ``dot`` does not
    unescape as it does labels (``\\`` stays two characters and ``\\N`` still expands), so
    a backslash is shown as the look-alike U+2216 there."""
    return quote(text.replace("\\", "\u2216"))


def quote_lines(text: str, width: int = 28) -> str:
    """``text`` wrapped at ``width`` characters into centred lines, as a DOT string."""
    lines = textwrap.wrap(_CONTROL.sub(" ", text), width) or [""]
    return "\\n".join(quote(line)[1:-1] for line in lines).join('""')


def _attributes(attributes: Mapping[str, str]) -> str:
    """``[a=b c=d]``: ``attributes`` whose values are already DOT text (quoted or numbers)."""
    if not attributes:
        return ""
    return " [" + " ".join(f"{k}={v}" for k, v in sorted(attributes.items())) + "]"


@dataclass
class DotGraph:
    """A directed graph written as DOT text, every node and edge with an id of its own.

    ``prefix`` starts every id in the SVG, so that two pictures inline in one page never
    share one. Node names are their labels (made unique), because ``dot`` writes a node's
    name as its SVG ``<title>``, which is what a screen reader reads.
    """

    name: str
    prefix: str
    attributes: dict[str, str] = field(default_factory=dict)
    _lines: list[str] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)
    _edges: int = 0

    def node(
        self,
        key: str,
        text: str,
        *,
        href: str | None = None,
        label: str | None = None,
        lang: str | None = None,
        **attributes: str,
    ) -> str:
        """Adds the node ``key`` (once; later calls return its name), named ``text``: its
        ``<title>`` and tooltip, and its label unless ``label`` (DOT text, already quoted with
        :func:`quote_lines` or :func:`quote`) says otherwise. ``lang`` is the language of
        ``text`` when it is not the picture's (data in another language): :func:`tidy` makes
        it the node's ``lang`` attribute. Other ``attributes`` are DOT text too."""
        if key in self._names:
            return self._names[key]
        name, n = text, 1
        while name in self._taken:
            n += 1
            name = f"{text} ({n})"
        self._taken.add(name)
        self._names[key] = name
        attrs = {
            "label": label if label is not None else quote_lines(text),
            "id": quote(f"{self.prefix}-n{len(self._names)}"),
            "tooltip": quote_tip(text),
        }
        if href is not None:
            attrs["href"] = quote(href)
        if lang:
            attrs["class"] = quote(f"{_LANG_CLASS}{lang}")
        attrs.update(attributes)
        self._lines.append(f"{quote_tip(name)}{_attributes(attrs)}")
        return name

    def edge(
        self,
        tail: str,
        head: str,
        label: str,
        *,
        href: str | None = None,
        lines: str | None = None,
        **attributes: str,
    ) -> None:
        """An arrow from the node named ``tail`` to ``head`` (names from :meth:`node`),
        labelled ``label`` wrapped at 30 characters a line, or as ``lines`` says (DOT text
        from :func:`quote_lines`)."""
        self._edges += 1
        attrs = {"id": quote(f"{self.prefix}-e{self._edges}")}
        if label:
            attrs["label"] = lines if lines is not None else quote_lines(label, 30)
            attrs["tooltip"] = attrs["labeltooltip"] = quote_tip(label)
        if href is not None:
            attrs["href"] = quote(href)
            attrs["labelhref"] = quote(href)
        attrs.update(attributes)
        self._lines.append(f"{quote_tip(tail)} -> {quote_tip(head)}{_attributes(attrs)}")

    def raw(self, line: str) -> None:
        """A line of DOT written as it is (a ``subgraph``, a ``rank=same``)."""
        self._lines.append(line)

    def source(self) -> str:
        graph = {"id": quote(self.prefix), **self.attributes}
        return (
            f"digraph {quote(self.name)} {{\n{DEFAULTS}"
            f"graph{_attributes(graph)}\n" + "".join(line + "\n" for line in self._lines) + "}\n"
        )


def needs_own_run(source: str) -> bool:
    """Whether the DOT text ``source`` has a cluster, which ``dot`` lays out differently
    after other graphs in the same run."""
    return "subgraph" in source and "cluster" in source


class Graphviz:
    """Runs ``dot``, one process a graph, and keeps every SVG it drew (thread-safe).

    :meth:`prefetch` hands graphs to a pool of threads that each wait on a ``dot`` process,
    so that a static site's pictures are drawn on the other cores while its pages and
    documents are written; :meth:`draw` takes a prefetched picture when it is ready.
    """

    def __init__(self, command: str = COMMAND, *, keep: int | None = None) -> None:
        """``keep`` bounds how many drawings are kept (the most recently used; None: all)."""
        self.command = shutil.which(command)
        self._drawn: MutableMapping[str, Future[str]] = Recent(keep) if keep is not None else {}
        self._lock = threading.Lock()
        self._env: dict[str, str] | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def available(self) -> bool:
        return self.command is not None

    def draw(self, source: str) -> str | None:
        """The SVG of ``source`` (as ``dot`` writes it), or None without Graphviz."""
        if self.command is None:
            return None
        with self._lock:
            found = self._drawn.get(source)
        if found is None:
            done: Future[str] = Future()
            with self._lock:
                found = self._drawn.setdefault(source, done)
            if found is done:
                try:
                    done.set_result(self._run(source))
                except BaseException as error:
                    done.set_exception(error)
        return found.result()

    def prefetch(self, sources: Iterable[str]) -> None:
        """Starts drawing every graph of ``sources`` not drawn yet, in their order, on all
        cores; returns at once."""
        if self.command is None:
            return
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=os.cpu_count() or 1, thread_name_prefix="treatykg-dot"
                )
                weakref.finalize(self, self._pool.shutdown, wait=False, cancel_futures=True)
            wanted = [s for s in dict.fromkeys(sources) if s not in self._drawn]
            plain = [s for s in wanted if not needs_own_run(s)]
            futures: dict[str, Future[str]] = {}
            for source in wanted:
                if needs_own_run(source):
                    futures[source] = self._pool.submit(self._run, source)
                else:
                    futures[source] = Future()
                self._drawn[source] = futures[source]
            for start in range(0, len(plain), BATCH):
                batch = plain[start : start + BATCH]
                self._pool.submit(self._run_batch, batch, [futures[s] for s in batch])

    def _run_batch(self, sources: list[str], futures: list[Future[str]]) -> None:
        """Draws plain graphs in one run; one at a time if that run fails."""
        try:
            drawn = self._run("".join(sources), expected=len(sources))
            parts = [_PAGE_ID.sub('id="', part) for part in _NEXT_SVG.split(drawn) if part]
            if len(parts) != len(sources):
                raise GraphvizError(f"dot drew {len(parts)} of {len(sources)} graphs")
        except GraphvizError:
            for source, future in zip(sources, futures, strict=True):
                try:
                    future.set_result(self._run(source))
                except BaseException as error:
                    future.set_exception(error)
            return
        for part, future in zip(parts, futures, strict=True):
            future.set_result(part)

    def _run(self, source: str, expected: int = 1) -> str:
        """What ``dot`` writes for ``source`` (``expected`` graphs)."""
        assert self.command is not None
        try:
            done = subprocess.run(
                [self.command, "-Tsvg"],
                input=source.encode("utf-8"),
                capture_output=True,
                timeout=TIMEOUT * expected,
                check=False,
                env=self._environment(),
            )
        except subprocess.TimeoutExpired as error:
            raise GraphvizError(f"dot took longer than {TIMEOUT:.0f} s") from error
        if done.returncode != 0 or b"<svg" not in done.stdout:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise GraphvizError(f"dot exited with {done.returncode}: {message[:2000]}")
        return done.stdout.decode("utf-8")

    def _environment(self) -> dict[str, str] | None:
        """``dot``'s environment: ``GVBINDIR`` set to a folder of only :data:`PLUGINS`, made
        once (and removed with this object); None (as installed) where they are not found."""
        with self._lock:
            if self._env is None:
                lean = _lean_folder(self.command)
                if lean is None:
                    self._env = dict(os.environ)
                else:
                    self._env = dict(os.environ, GVBINDIR=str(lean))
                    weakref.finalize(self, shutil.rmtree, lean, True)
            return self._env


def _plugin_folder(command: str | None) -> Path | None:
    """The folder of the installed Graphviz plugins: beside ``libgvc`` in a library folder
    (``/usr/lib/x86_64-linux-gnu/graphviz`` on Debian), or under the command's prefix."""
    if command is None:
        return None
    prefix = Path(command).resolve().parent.parent
    libraries = [prefix / "lib", prefix / "lib64"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        libraries.insert(0, prefix / "lib" / str(multiarch))
    for library in libraries:
        for name in _PLUGIN_FOLDERS:
            folder = library / name
            if all(any(folder.glob(f"{plugin}.so*")) for plugin in PLUGINS):
                return folder
    return None


def _lean_folder(command: str | None) -> Path | None:
    """A new temporary folder with links to :data:`PLUGINS` and their list, or None."""
    folder = _plugin_folder(command)
    if folder is None or command is None:
        return None
    lean = Path(tempfile.mkdtemp(prefix="treatykg-graphviz-"))
    for plugin in PLUGINS:
        # the name ``dot -c`` looks for: the one with the major version only (``.so.6``)
        library = min(folder.glob(f"{plugin}.so*"), key=lambda p: (len(p.name), p.name))
        (lean / library.name).symlink_to(library)
    # ``dot -c`` writes the folder's plugin list (config6a) for the plugins it holds; then
    # one small graph proves that the lean ``dot`` draws SVG.
    env = dict(os.environ, GVBINDIR=str(lean))
    subprocess.run([command, "-c"], env=env, capture_output=True, timeout=60, check=False)
    probe = subprocess.run(
        [command, "-Tsvg"], input=b"digraph{a->b}", env=env, capture_output=True, timeout=60
    )
    if probe.returncode != 0 or b"<svg" not in probe.stdout:
        shutil.rmtree(lean, ignore_errors=True)
        return None
    return lean


def tidy(svg: str, *, prefix: str, title: str, desc: str, language: str | None = None) -> str:
    """``dot``'s SVG as an element for a page and a file: no prologue or comments, sized in
    pixels, scaling with its frame (down to :data:`MIN_SCALE`), titled and described for
    screen readers (``<title>``, ``<desc>``, ``aria-labelledby``), in ``language`` (the
    ``lang`` of the ``<svg>``; a node in another language says so: see :meth:`DotGraph.node`)."""
    body = _COMMENT.sub("", _PROLOGUE.sub("", svg, count=1))
    body = _LANG_MARK.sub(
        lambda m: f'class="{m.group(1)}" lang="{m.group(2).replace("&#45;", "-")}"', body
    )
    root = _ROOT.search(body)
    if root is None:
        raise GraphvizError("dot wrote no <svg> element")
    sizes = dict(_SIZE.findall(root.group()))
    viewbox = _VIEWBOX.search(root.group())
    width = float(sizes.get("width", "0")) * PX_PER_PT
    height = float(sizes.get("height", "0")) * PX_PER_PT
    opening = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        f' id="{prefix}" class="picture" role="group"'
        + (f' lang="{escape(language)}"' if language else "")
        + ""
        f' aria-labelledby="{prefix}-title {prefix}-desc"'
        f' width="{width:.0f}" height="{height:.0f}"'
        f' viewBox="{viewbox.group(1) if viewbox else f"0 0 {width} {height}"}"'
        f' style="min-width:{width * MIN_SCALE:.0f}px">\n'
        f'<title id="{prefix}-title">{escape(title)}</title>\n'
        f'<desc id="{prefix}-desc">{escape(desc)}</desc>\n'
    )
    return body[: root.start()] + opening + body[root.end() :].lstrip("\n")


__all__ = [
    "COMMAND",
    "MISSING",
    "DotGraph",
    "Graphviz",
    "GraphvizError",
    "needs_own_run",
    "quote",
    "quote_lines",
    "tidy",
]
