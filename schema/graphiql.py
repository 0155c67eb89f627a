"""GraphiQL's page, loading the vendored files under /static (no CDN: it works offline)."""

from __future__ import annotations

GRAPHIQL_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>GraphiQL · Referral network</title>
  <link rel="stylesheet" href="/static/vendor/graphiql/graphiql.min.css">
  <link rel="stylesheet" href="/static/graphiql-page.css">
</head>
<body>
  <main id="graphiql" aria-label="GraphiQL">Loading GraphiQL…</main>
  <script src="/static/vendor/react/react.production.min.js"></script>
  <script src="/static/vendor/react-dom/react-dom.production.min.js"></script>
  <script src="/static/vendor/graphiql/graphiql.min.js"></script>
  <script src="/static/graphiql-init.js"></script>
</body>
</html>
"""
