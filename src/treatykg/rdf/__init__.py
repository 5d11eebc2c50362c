"""Reading and writing RDF: the one format table, RDF terms and their order, parsing files
strictly, canonical serialization and the pyoxigraph store the later stages read.
"""
