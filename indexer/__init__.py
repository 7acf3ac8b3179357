"""The indexer: an outbox of changed documents drained to Elasticsearch, and search backends."""
