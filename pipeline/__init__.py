"""Services below the CLI and the web surfaces: build, ingest, publish, rollback (typed results)."""
