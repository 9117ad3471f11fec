"""Pre-trained word vectors: train them (gensim), load any format, initialise models, export."""

from .training import EmbeddingConfig, EmbeddingResult, train_embeddings
from .vectors import Coverage, embedding_matrix, load_vectors, most_similar

__all__ = ["Coverage", "EmbeddingConfig", "EmbeddingResult", "embedding_matrix",
           "load_vectors", "most_similar", "train_embeddings"]
