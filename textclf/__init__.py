"""textclf: train, evaluate and explain bag-of-words text classifiers (Haiku + Optax + LIME)."""

__version__ = "0.1.0"
