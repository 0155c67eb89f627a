"""GraphQL for search: `searchServices` by need, place and filters."""
