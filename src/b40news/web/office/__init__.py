"""Pages for communications officers and admins, under /office/ (login required)."""
