"""The pipeline stages from raw page to release: raw store, clean, annotate, NER view, splits, build, validate,
and the agreement study recorded in a release."""
