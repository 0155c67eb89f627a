"""GraphQL for organization webhooks: subscribe, unsubscribe, list deliveries, redeliver."""
