/** One scrape job of a test Prometheus. */
export interface ScrapeJob {
  readonly name: string
  /** `host:port` of each target. */
  readonly targets: readonly string[]
  /** Default `/metrics`. */
  readonly metricsPath?: string
}

/**
 * The `prometheus.yml` of a test server. YAML is a superset of JSON, so every value is written
 * as a JSON string: no quoting rule of YAML can be got wrong by a job name or a path.
 */
export function renderPrometheusConfig(options: {
  readonly scrapeIntervalMs: number
  readonly jobs: readonly ScrapeJob[]
}): string {
  const interval = JSON.stringify(`${options.scrapeIntervalMs}ms`)
  const lines = [
    '# rollback-kit test server',
    'global:',
    `  scrape_interval: ${interval}`,
    // Under 10 s the timeout defaults to the interval; a timeout above it is refused.
    `  scrape_timeout: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
  ]
  for (const job of options.jobs) {
    lines.push(
      `  - job_name: ${JSON.stringify(job.name)}`,
      `    metrics_path: ${JSON.stringify(job.metricsPath ?? '/metrics')}`,
      '    static_configs:',
      `      - targets: ${JSON.stringify(job.targets)}`,
    )
  }
  return `${lines.join('\n')}\n`
}
