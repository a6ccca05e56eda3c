"""Growing the corpus: add an article, pre-annotate it, review it in Label Studio."""
