"""``hansenti compare``: the same corpora through many tokenizers and models, with seeds,
as ordinary run directories plus a report — ``matrix`` (cells and profiles), ``runner``
(training them, resumably), ``ensembles``, ``report``, and ``study`` (all of it)."""
