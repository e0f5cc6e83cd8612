"""Stores the built data is queried in: the embedded Oxigraph store and a remote SPARQL
store, both behind one ``QueryBackend`` protocol (``store.backend``), and the named
queries every caller runs through it. Imports the pipeline's formats, never the web app.
"""
