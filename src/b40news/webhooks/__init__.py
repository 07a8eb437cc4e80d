"""Webhooks: events recorded where they happen, delivered signed, retried, logged.

- `events` records an event for every endpoint of the city that wants it (a
  `Delivery` row each, in the caller's transaction) and hands the rows to the
  ``webhooks`` queue once it commits. `releases.workflow` and
  `network.subscriptions` call it, one line at each point of change.
- `signing` is the signature (plain Python): HMAC-SHA256 over
  ``"<timestamp>." + body`` with the endpoint's secret.
- `http` posts one body to one URL, to an address checked before connecting
  (no private or loopback addresses unless ``B40NEWS_WEBHOOK_ALLOW_PRIVATE``).
- `delivery` sends one row: claimed by a conditional update, retried with
  backoff on a network error, a 408, 429 or 5xx, every attempt logged.
"""
