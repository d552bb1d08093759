"""Custom Rasa NLU components of the helpline, installed into the Rasa environment."""
