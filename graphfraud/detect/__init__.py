"""Detection: candidate rings, graph embeddings, seed expansion."""
