"""Where the tests find the checkout and their own files, wherever a test module sits."""

from pathlib import Path

#: The tests/ folder: helper modules, fixtures, snapshots, registries.
TESTS = Path(__file__).resolve().parent
#: The repository root (the checkout).
ROOT = TESTS.parent
