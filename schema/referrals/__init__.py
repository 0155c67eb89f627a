"""GraphQL API of closed-loop referrals (domain logic lives in `referrals`)."""
