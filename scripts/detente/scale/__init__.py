"""Cleaning a whole crawl: the shared per-article core, a one-machine engine and a datatrove engine."""
