"""Tasks for subscribers: mail that is not a newsletter (confirmations)."""
