"""Running the desk in production: health probes, Prometheus metrics, structured logs, and the
`servicedesk worker` / `servicedesk scheduler` commands (docs/deploy.md)."""
