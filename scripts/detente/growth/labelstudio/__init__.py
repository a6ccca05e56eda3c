"""The Label Studio round trip: labelling config, tasks (export), review (import) and a local server."""
