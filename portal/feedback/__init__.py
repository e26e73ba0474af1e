"""Anonymous feedback: a private receipt, staff replies, "you said, we did" and retention."""
