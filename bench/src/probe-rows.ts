/**
 * Probe rows: `concurrency` HTTP probes at once against a loopback server, ours (`runProbe`
 * of an `httpProbe`, which parses, checks status and body) next to a raw `fetch` loop.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { httpProbe, runProbe } from '@rollback-kit/verify'
import { interleave } from './measure.js'
import type { BenchRow } from './table.js'

/** Measure the probe rows. */
export async function probeRows(options: {
  readonly concurrency: number
  readonly runs: number
  readonly onRow: (row: BenchRow) => void
}): Promise<BenchRow[]> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{"status":"UP"}')
  })
  server.maxConnections = options.concurrency * 2
  // A backlog above the burst: with the default (511) a burst of 1,000 connects overflows the
  // SYN queue and some wait out a 1 s retransmit, which measures the kernel, not the client.
  await new Promise<void>((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve),
  )
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/health`
  const rows: BenchRow[] = []
  const add = (name: string, row: Omit<BenchRow, 'area' | 'name'>): void => {
    const made = { area: 'probes', name, ...row }
    rows.push(made)
    options.onRow(made)
  }
  try {
    const count = options.concurrency
    const raw = {
      run: async () => {
        const answers = await Promise.all(
          Array.from({ length: count }, async () => {
            const response = await fetch(url)
            const body = await response.text()
            return response.status === 200 && body.includes('UP')
          }),
        )
        if (!answers.every(Boolean)) throw new Error('a raw fetch failed')
      },
    }
    const probe = httpProbe({ url, expectStatus: 200, bodyContains: 'UP' })
    const ours = {
      run: async () => {
        const results = await Promise.all(
          Array.from({ length: count }, () => runProbe(probe, { timeoutMs: 30_000 })),
        )
        const failed = results.filter((result) => result.isErr() || !result.value.ok)
        if (failed.length > 0) throw new Error(`${String(failed.length)} probes failed`)
      },
    }
    // One untimed round warms both up (sockets, JIT); then they run in turns. A round takes
    // a fraction of a second, so more pairs are cheap and make the spread meaningful.
    await raw.run()
    await ours.run()
    const [rawRuns, ourRuns] = await interleave([raw, ours], Math.max(options.runs, 9))
    if (rawRuns === undefined || ourRuns === undefined) return rows
    add(`raw: ${String(count)} concurrent fetch`, {
      measurement: rawRuns,
      interleaved: 'probes',
    })
    add(`ours: ${String(count)} concurrent httpProbe`, {
      measurement: ourRuns,
      interleaved: 'probes',
      detail: 'status + body assertions, per-probe latency',
    })
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  return rows
}
