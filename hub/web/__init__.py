"""HTTP interfaces other than GraphQL: operations endpoints, client pages, the HSDS REST facade."""
