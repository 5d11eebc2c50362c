"""The changeset tests' releases: the session fixture ``pair`` lives in tests/conftest.py (the
CLI tests use it too); tests/changed_release.py says what the changed release changes."""
