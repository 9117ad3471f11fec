"""Fine-tuning a classifier's biLM as ULMFiT does (``-p contextual_finetune=gradual``,
Howard & Ruder 2018): the biLM starts frozen; before each later epoch one more of its
layers is unfrozen from the top (the last LSTM layer of both directions, then the one
below, ..., then the token encoder), and each unfrozen layer learns at the classifier's
rate divided by 2.6 per step down (discriminative learning rates)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras

from ..core.errors import HansentiError
from ..embeddings.bilm import ContextualEmbedding

if TYPE_CHECKING:
    from keras import Variable

#: each biLM layer down from the top learns this many times slower than the one above
DECAY = 2.6


@keras.saving.register_keras_serializable("hansenti")
class LayerwiseAdam(keras.optimizers.Adam):
    """Adam whose step for each variable named in ``factors`` (by its path) is scaled by
    its factor; written against Keras' optimizer API, so every backend runs it."""

    def __init__(self, factors: dict[str, float] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factors = dict(factors or {})
        self.factor_by_index: list[float | None] = []

    def build(self, variables: list) -> None:
        # update_step may see the backend's own variable (TensorFlow's), without Keras'
        # path: factors are looked up by the index Keras gives every trained variable
        self.factor_by_index = [self.factors.get(variable.path) for variable in variables]
        super().build(variables)

    def update_step(self, gradient, variable, learning_rate):
        factor = self.factor_by_index[self._get_variable_index(variable)]
        if factor is not None:
            learning_rate = keras.ops.cast(learning_rate, variable.dtype) * factor
        super().update_step(gradient, variable, learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factors": self.factors}


def contextual_layer(model: keras.Model) -> ContextualEmbedding:
    found = [layer for layer in model.layers if isinstance(layer, ContextualEmbedding)]
    if len(found) != 1:
        raise HansentiError("contextual_finetune needs a model with one contextual layer "
                            "(-p contextual=FOLDER)")
    return found[0]


def layers_from_top(layer: ContextualEmbedding) -> list[list["Variable"]]:
    """The biLM's variables, a group per layer from the top: each LSTM layer (forward and
    backward together), then the token encoder's learnt weights."""
    stack, encoder = layer.stack, layer.encoder
    groups = [[*forward.weights, *backward.weights]
              for forward, backward in zip(stack.forward, stack.backward)]
    return [*groups[::-1], encoder.learned_weights]


def unfreeze(model: keras.Model, epoch: int) -> dict[str, float]:
    """Before 0-based ``epoch``: the top ``epoch`` groups of the biLM trainable, the rest
    frozen; the learning-rate factor of each trainable biLM variable."""
    factors = {}
    for depth, group in enumerate(layers_from_top(contextual_layer(model))):
        for variable in group:
            variable.trainable = depth < epoch
            if variable.trainable:
                factors[variable.path] = DECAY ** -(depth + 1)
    return factors
