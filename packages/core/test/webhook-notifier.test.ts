import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { okAsync } from 'neverthrow'
import { afterEach, describe, expect, test } from 'vitest'
import {
  defineProcedure,
  runProcedure,
  webhookNotifier,
  type Notification,
} from '@rollback-kit/core'

interface Received {
  readonly path: string
  readonly headers: IncomingMessage['headers']
  readonly body: unknown
}

const servers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of servers.splice(0)) await close()
})

/** A real HTTP server on 127.0.0.1 answering with `respond(n)` for the n-th request. */
async function webhookServer(
  respond: (index: number, response: ServerResponse) => void = (_, response) =>
    response.writeHead(200).end('ok'),
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  const server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk: Buffer) => (text += chunk.toString()))
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(text) as unknown,
      })
      respond(received.length, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/services/T000/B000/s3cr3tT0ken`, received }
}

/** A port nothing listens on: bind, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const notification: Notification = {
  event: 'finished',
  procedure: 'api',
  runId: 'r1',
  subject: 'API - Rollback Completed',
  text: 'Status: ✅ Rollback completed',
}

const oneStep = defineProcedure('api rollback').step({
  name: 'deploy previous',
  run: () => okAsync({ image: 'api:1.4.2' }),
  satisfies: ['during.rollback-executed'],
})

describe('webhookNotifier', () => {
  test('POSTs Slack-compatible JSON { text } by default', async () => {
    const hook = await webhookServer()
    const sent = await webhookNotifier({ url: hook.url }).notify(notification, {})
    expect(sent.isOk()).toBe(true)
    expect(hook.received).toHaveLength(1)
    expect(hook.received[0]?.body).toEqual({
      text: `${notification.subject}\n\n${notification.text}`,
    })
    expect(hook.received[0]?.headers['content-type']).toBe('application/json')
    expect(hook.received[0]?.path).toBe('/services/T000/B000/s3cr3tT0ken')
  })

  test('a custom body function and headers shape the request', async () => {
    const hook = await webhookServer()
    const notifier = webhookNotifier({
      url: hook.url,
      headers: { authorization: 'Bearer abc' },
      body: (n) => ({ title: n.subject, event: n.event }),
    })
    ;(await notifier.notify(notification, {}))._unsafeUnwrap()
    expect(hook.received[0]?.body).toEqual({ title: 'API - Rollback Completed', event: 'finished' })
    expect(hook.received[0]?.headers.authorization).toBe('Bearer abc')
  })

  test('retries 5xx answers with core retry, not 4xx', async () => {
    const flaky = await webhookServer((index, response) =>
      response.writeHead(index < 3 ? 503 : 200).end(),
    )
    const sent = await webhookNotifier({
      url: flaky.url,
      retry: { attempts: 3, initialDelayMs: 10 },
    }).notify(notification, {})
    expect(sent.isOk()).toBe(true)
    expect(flaky.received).toHaveLength(3)

    const refusing = await webhookServer((_, response) => response.writeHead(403).end())
    const error = (
      await webhookNotifier({
        url: refusing.url,
        retry: { attempts: 3, initialDelayMs: 10 },
      }).notify(notification, {})
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'WebhookFailed', status: 403, retryable: false })
    expect(refusing.received).toHaveLength(1)
    // The token in the URL path never shows.
    expect(JSON.stringify(error)).not.toContain('s3cr3tT0ken')
  })

  test('a hanging webhook times out', async () => {
    const hanging = await webhookServer(() => undefined)
    const error = (
      await webhookNotifier({ url: hanging.url, timeoutMs: 100, retry: { attempts: 1 } }).notify(
        notification,
        {},
      )
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('TimedOut')
  })

  test('a notifier pointed at a closed port leaves the procedure successful, with a warning', async () => {
    const port = await closedPort()
    const notifier = webhookNotifier({
      url: `http://127.0.0.1:${port}/hook/s3cr3tT0ken`,
      retry: { attempts: 2, initialDelayMs: 10 },
    })
    const report = (await runProcedure(oneStep, { notifiers: [notifier] }))._unsafeUnwrap()
    expect(report.outcome).toBe('succeeded')
    expect(report.steps[0]?.status).toBe('succeeded')
    expect(report.warnings).toHaveLength(2) // the started and the finished notification
    expect(report.warnings[0]).toContain(`127.0.0.1:${port}`)
    expect(report.warnings.join('\n')).toContain('ECONNREFUSED')
    expect(report.warnings.join('\n')).not.toContain('s3cr3tT0ken')
  })

  test('a hanging notifier neither fails nor blocks the rollback beyond notifyTimeoutMs', async () => {
    const hanging = await webhookServer(() => undefined)
    const notifier = webhookNotifier({
      url: hanging.url,
      timeoutMs: 60_000,
      retry: { attempts: 1 },
    })
    const started = Date.now()
    const report = (
      await runProcedure(oneStep, { notifiers: [notifier], notifyTimeoutMs: 200 })
    )._unsafeUnwrap()
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(report.outcome).toBe('succeeded')
    expect(report.warnings.join('\n')).toContain('timed out')
  })

  test('the runner sends a started and a finished notification filled from the report', async () => {
    const hook = await webhookServer()
    const report = (
      await runProcedure(oneStep, {
        notifiers: [webhookNotifier({ url: hook.url })],
        notification: { system: 'Flow Motion Platform', version: '1.4.2', impact: 'checkout' },
      })
    )._unsafeUnwrap()
    expect(report.warnings).toEqual([])
    const texts = hook.received.map((r) => (r.body as { text: string }).text)
    expect(texts).toHaveLength(2)
    expect(texts[0]).toContain('Rollback Started')
    expect(texts[1]).toContain('Flow Motion Platform - Rollback Completed\n\nDear Team,')
    expect(texts[1]).toContain('to version 1.4.2')
    expect(texts[1]).toContain('Impact: checkout')
  })
})
