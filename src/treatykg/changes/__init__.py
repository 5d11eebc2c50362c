"""What changed between two releases, as a patch a store applies and a summary a person reads.

:mod:`.releases` reads each side (a build, a dump, a published release), :mod:`.diff` merges
them into a :class:`~.diff.Changeset`, grouped per resource, with blank nodes compared by
content (:mod:`.molecules`); :mod:`.patch` writes and reads it as RDF Patch, :mod:`.update`
as SPARQL Update.
"""
