"""The pages for people: home, SPARQL editor, articles, an article's highlighted text,
timeline, map, class diagram, and what a resource's page adds to its description.
Registered by :func:`conflictkg.web.app.create_app` like every other blueprint."""
