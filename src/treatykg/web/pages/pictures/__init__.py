"""The pictures of the pages: SVG drawn on the server, beside the tables that hold the same
facts (the pages carry no script, so nothing is drawn in the browser).

* :mod:`.painter` says which page has which picture and draws each once: the one interface;
* :mod:`.picture` is what a picture is (:class:`~.picture.Sketch` before drawing,
  :class:`~.picture.Picture` after) and where its file lies beside its page;
* :mod:`.graphviz` writes DOT (escaped) and runs Graphviz ``dot``, for the graph pictures;
* one module per picture: :mod:`.timeline` (laid out directly), :mod:`.obligations`,
  :mod:`.neighbourhood` and :mod:`.vocabulary` (laid out by ``dot``).
"""
