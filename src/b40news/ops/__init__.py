"""Running b40news for real: the web server, static files, health, metrics, logs.

Nothing here belongs to a stage: it reads the stages' data (the ledger, the
broker's queues, the relay) and never changes it.
"""
