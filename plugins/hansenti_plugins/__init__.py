"""hansenti's tokenizer plugins, registered through the ``hansenti_tokenizers`` entry points
exactly as a third party's would be. Backends are imported on first use, never here."""
