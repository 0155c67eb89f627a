"""Users, organization memberships, roles, API tokens and the acting principal."""
