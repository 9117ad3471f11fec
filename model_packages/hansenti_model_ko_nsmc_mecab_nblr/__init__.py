"""hansenti model ko-nsmc-mecab-nblr 1.1.0: the run folder in ``RUN``."""

from pathlib import Path

NAME = "ko-nsmc-mecab-nblr"
VERSION = "1.1.0"
RUN = Path(__file__).resolve().parent / "run"
