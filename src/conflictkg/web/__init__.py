"""The web application: one Flask app (``web.app.create_app``) serving the SPARQL 1.1
Protocol, dereferenceable IRIs, downloads, the pages for people and their pictures.
It answers through a ``conflictkg.store`` backend and never imports the server.
"""
