"""``python -m treatykg.web.pages.pictures README.md``: rewrite the README's model diagram
from the bundled ontology (see :func:`.vocabulary.main`).

An entry of the package, not of :mod:`.vocabulary` itself: the pages import that module
before ``-m`` would run it, and Python warns when a module runs twice.
"""

import sys

from treatykg.web.pages.pictures.vocabulary import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
