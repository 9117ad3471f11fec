"""Making runs: one model (``train``), an ensemble of runs, a distilled student — and the
data preparation they share (``splits``: which reviews are fit, validation and test)."""
