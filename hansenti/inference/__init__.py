"""Using finished runs: load one (``Predictor``), score review files, analyse them into a
report, explain a prediction, serve it over HTTP."""
