"""Names that cross the two Python environments."""
