"""Checks of what a summary states against what the model was shown: numbers (numbers), the gate (gate)."""
