"""hansenti: Korean-first sentiment analysis of reviews.

Importing the package is cheap: no TensorFlow, konlpy or sentencepiece until used.
"""

from .core.errors import HansentiError
from .corpora import open_corpus
from .inference.predictor import Predictor, load
from .tokenizers.base import Tokenizer, create_tokenizer, load_tokenizer, register_tokenizer
from .tokenizers.vocab import Vocab

__version__ = "0.1.0"

__all__ = ["HansentiError", "Predictor", "Tokenizer", "Vocab", "create_tokenizer", "load",
           "load_tokenizer", "open_corpus", "register_tokenizer"]
