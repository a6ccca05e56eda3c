"""The static HTML browser of a release: load, timeline, spans and render (Jinja2 templates, inlined static files)."""
