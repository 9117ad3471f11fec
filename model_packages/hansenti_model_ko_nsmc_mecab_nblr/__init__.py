"""hansenti model ko-nsmc-mecab-nblr 1.2.0: the run folder in ``RUN``."""

from pathlib import Path

NAME = "ko-nsmc-mecab-nblr"
VERSION = "1.2.0"
RUN = Path(__file__).resolve().parent / "run"
