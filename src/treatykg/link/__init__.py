"""Linking with Wikidata: the Wikidata-shaped view of the graph
(:mod:`~treatykg.link.wikidata_view`) and the mapping tables that Wikidata editors and mapping
tools use (:mod:`~treatykg.link.mappings`: SSSOM, QuickStatements, Mix'n'match).
"""
