"""The web: documents per resource, URL paths, content negotiation, the HTML pages, the
SPARQL endpoint, the server that ties them together and the static site.
"""
