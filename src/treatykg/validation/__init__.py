"""Validation: SHACL shapes checked against the data, with pySHACL as the reference and the
compiled SPARQL engine as the fast road, and the report both give.
"""
