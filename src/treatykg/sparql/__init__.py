"""SPARQL: the catalogue of queries (:mod:`~treatykg.sparql.catalogue`), the guard every query
passes (:mod:`~treatykg.sparql.guard`), running queries on the embedded store
(:mod:`~treatykg.sparql.execute`), printing results (:mod:`~treatykg.sparql.results`), and
remote stores (:mod:`~treatykg.sparql.remote`: SPARQLWrapper, Graph Store push).
"""
