"""The Elasticsearch backend: alias + explicit mapping, function_score, aggregations."""
