"""Publishing a release: `detente build` and what describes it (README card, DATASHEET figures, Croissant)."""
