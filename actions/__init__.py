"""The rasa-sdk action server: tracker in, profile out, knowledge base asked, answer rendered."""
