"""Publishing a release: the build that validates and writes every file of a release
atomically (the files are one table, :mod:`.release`), the JSON-LD context and views, and the
VoID/DCAT description with its statistics.
"""
