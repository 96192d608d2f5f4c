"""Stop from the card: the Stop button's flow and what the store keeps of it."""
