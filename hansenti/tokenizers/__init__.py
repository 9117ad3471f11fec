"""Built-in tokenizers with no dependency beyond the standard library."""
