"""Pages for subscribers and the public archive: no login, in the visitor's language."""
