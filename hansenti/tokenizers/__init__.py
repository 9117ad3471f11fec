"""The tokens layer: the tokenizer contract and its registry (``base``), the built-in
tokenizers with no dependency beyond the standard library (``simple``, ``jamo``,
``english``), the vocabulary, the token cache, and how familiar a text is to a run."""
