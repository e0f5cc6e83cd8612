"""The build pipeline: seeds and triples in, checked artefacts out.

Inputs are read (``seeds``, ``rdfio``, ``formats``), checked (``anchors`` for quotes,
``shacl``, ``reasoning``), described (``void``, ``ontodocs``) and written by ``build``
into ``output/``. Nothing here imports the store, the web app or the server.
"""
