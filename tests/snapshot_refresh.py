"""The one command that refreshes the query snapshots (tests/snapshots/), in one place: the
snapshot test's failures and the session summary in tests/conftest.py both print it, and the
README's and docs/adding-a-treaty.md's steps give it (tests/docs checks they agree)."""

REFRESH_SNAPSHOTS = "pytest tests/sparql/test_snapshots.py --update-snapshots"
