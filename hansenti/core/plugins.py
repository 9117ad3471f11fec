"""Every way to extend hansenti, declared in one place.

Each registry takes objects registered in Python (``register``, also as a decorator) and
finds the entry points of its group in any installed package, loading one only when its
name is asked for. One naming rule (:func:`hansenti.core.registry.check_name`) and one
error style hold for all of them: an unknown name lists the known ones; a plugin that
fails to load is a one-line error when asked for by name, and a one-line warning (and
left out) when everything is listed.

| registry | entry-point group | what a plugin adds | registered with |
| --- | --- | --- | --- |
| :data:`tokenizers` | ``hansenti_tokenizers`` | a ``Tokenizer`` subclass, or a ``str -> list[str]`` function | ``hansenti.register_tokenizer`` |
| :data:`corpora` | ``hansenti_corpora`` | a ``Corpus`` subclass | ``hansenti.corpora.register_corpus`` |
| :data:`architectures` | ``hansenti_architectures`` | a Keras build function ``(options, vocab_size, maxlen, classes) -> keras.Model`` (its ``uses`` attribute names the options it reads), or a ``Classifier`` factory | ``hansenti.models.register_keras_model`` |
| :data:`installed_models` | ``hansenti_models`` | a finished run folder inside a package (``hansenti package`` builds one) | the package's entry point |

The layer that knows a registry's type says how plain objects are adapted
(:meth:`~hansenti.core.registry.Registry.adapt_with`), so this module imports nothing.
"""

from __future__ import annotations

from typing import Any

from .registry import Registry

TOKENIZER_GROUP = "hansenti_tokenizers"
CORPUS_GROUP = "hansenti_corpora"
ARCHITECTURE_GROUP = "hansenti_architectures"
MODEL_GROUP = "hansenti_models"

#: tokenizer classes by name (built-ins come through the entry points too)
tokenizers: Registry[Any] = Registry("tokenizer", TOKENIZER_GROUP)
#: corpus classes by name
corpora: Registry[Any] = Registry("corpus", CORPUS_GROUP)
#: model architectures by name: each gives a classifier for a training config
architectures: Registry[Any] = Registry("model", ARCHITECTURE_GROUP)
#: folders of runs shipped in installed packages, by model name
installed_models: Registry[Any] = Registry("installed model", MODEL_GROUP)

__all__ = ["ARCHITECTURE_GROUP", "CORPUS_GROUP", "MODEL_GROUP", "TOKENIZER_GROUP",
           "architectures", "corpora", "installed_models", "tokenizers"]
