"""GraphQL API of the directory: organizations, services, locations, taxonomy."""
