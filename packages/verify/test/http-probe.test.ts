import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpProbe, runProbe, tcpProbe, tlsProbe } from '@rollback-kit/verify'
import {
  closedPort,
  hasIpv6Loopback,
  reply,
  startServer,
  type TestServer,
} from './support/http-server.js'

describe('httpProbe', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer((request, response) => {
      const path = request.url ?? '/'
      if (path === '/health')
        return reply(response, {
          body: {
            status: 'UP',
            version: '1.4.2',
            checks: [
              { name: 'db', ok: true },
              { name: 'cache', ok: false },
            ],
          },
          headers: { 'x-release': 'v1.4.2' },
        })
      if (path === '/down') return reply(response, { status: 503, body: { status: 'DOWN' } })
      if (path === '/text')
        return reply(response, { body: 'all systems nominal, token=abcd1234secret' })
      if (path === '/created') return reply(response, { status: 201, body: {} })
      if (path === '/slow') return reply(response, { body: { status: 'UP' }, delayMs: 300 })
      if (path === '/hang') return reply(response, { body: {}, delayMs: 5_000 })
      if (path === '/echo-method')
        return reply(response, {
          body: { method: request.method, authorized: request.headers.authorization !== undefined },
        })
      if (path === '/old')
        return reply(response, { status: 302, body: '', headers: { location: '/health' } })
      if (path === '/loop')
        return reply(response, { status: 307, body: '', headers: { location: '/loop' } })
      if (path === '/post-then-see')
        return reply(response, { status: 303, body: '', headers: { location: '/echo-method' } })
      return reply(response, { status: 404, body: 'not found' })
    })
  })
  afterAll(() => server.close())

  test('a healthy endpoint passes with status, latency and evidence', async () => {
    const result = (await runProbe(httpProbe({ url: `${server.url}/health` })))._unsafeUnwrap()
    expect(result).toMatchObject({ ok: true, kind: 'http', observed: { status: 200 } })
    expect(result.latencyMs).toBeGreaterThanOrEqual(0)
    expect(result.assertions).toContainEqual({
      name: 'status',
      ok: true,
      expected: '200-399',
      observed: 200,
    })
    expect(result.message).toMatch(/^200 OK in \d+ ms$/)
  })

  test('a status outside the default 200-399 fails and says so', async () => {
    const result = (await runProbe(httpProbe({ url: `${server.url}/down` })))._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toBe('status: expected 200-399, got 503')
  })

  test('expected status sets: single codes, classes, ranges and lists', async () => {
    const run = async (
      expectStatus: number | string | readonly (number | string)[],
      path: string,
    ) =>
      (await runProbe(httpProbe({ url: `${server.url}${path}`, expectStatus })))._unsafeUnwrap().ok
    expect(await run(201, '/created')).toBe(true)
    expect(await run(200, '/created')).toBe(false)
    expect(await run('2xx', '/created')).toBe(true)
    expect(await run('500-599', '/down')).toBe(true)
    expect(await run([200, '503'], '/down')).toBe(true)
    expect(await run('200,204', '/down')).toBe(false)
    expect(await run(404, '/missing')).toBe(true)
  })

  test('a timeout that is not positive is InvalidInput', async () => {
    const error = (
      await runProbe(httpProbe({ url: server.url }), { timeoutMs: 0 })
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'options.timeoutMs' })
  })

  test('an invalid status set is InvalidInput naming the field', async () => {
    const error = (
      await runProbe(httpProbe({ url: server.url, expectStatus: '2yy' }))
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'options.expectStatus' })
  })

  test('body contains and body pattern', async () => {
    const pass = await runProbe(
      httpProbe({
        url: `${server.url}/text`,
        bodyContains: ['nominal', 'systems'],
        bodyMatches: /all \w+/,
      }),
    )
    expect(pass._unsafeUnwrap().ok).toBe(true)
    const fail = (
      await runProbe(
        httpProbe({
          url: `${server.url}/text`,
          bodyContains: 'degraded',
          secrets: ['abcd1234secret'],
        }),
      )
    )._unsafeUnwrap()
    expect(fail.ok).toBe(false)
    expect(fail.message).toContain('body contains: expected "degraded"')
    expect(JSON.stringify(fail)).not.toContain('abcd1234secret')
    const pattern = (
      await runProbe(httpProbe({ url: `${server.url}/text`, bodyMatches: /^down/ }))
    )._unsafeUnwrap()
    expect(pattern.ok).toBe(false)
  })

  test('JSON path conditions pass, and a failing one shows the observed value', async () => {
    const pass = await runProbe(
      httpProbe({
        url: `${server.url}/health`,
        conditions: [
          'status == "UP"',
          '$.checks[0].ok == true',
          'len(checks) == 2',
          'has(version)',
        ],
      }),
    )
    expect(pass._unsafeUnwrap().ok).toBe(true)
    const fail = (
      await runProbe(
        httpProbe({
          url: `${server.url}/health`,
          conditions: ['$.checks[1].ok == true', 'status == "UP"'],
        }),
      )
    )._unsafeUnwrap()
    expect(fail.ok).toBe(false)
    expect(
      fail.assertions.find((a) => a.name === 'condition $.checks[1].ok == true'),
    ).toMatchObject({
      ok: false,
      observed: false,
    })
    expect(fail.assertions.find((a) => a.name === 'condition status == "UP"')?.ok).toBe(true)
    const down = (
      await runProbe(
        httpProbe({ url: `${server.url}/down`, expectStatus: 503, conditions: ['status == "UP"'] }),
      )
    )._unsafeUnwrap()
    expect(down.message).toBe('condition status == "UP": expected status == "UP", got "DOWN"')
  })

  test('a condition on a body that is not JSON fails; a malformed condition is InvalidInput', async () => {
    const notJson = (
      await runProbe(httpProbe({ url: `${server.url}/text`, conditions: ['status == "UP"'] }))
    )._unsafeUnwrap()
    expect(notJson.ok).toBe(false)
    expect(notJson.message).toContain('expected a JSON body')
    const bad = (
      await runProbe(httpProbe({ url: server.url, conditions: ['status = "UP"'] }))
    )._unsafeUnwrapErr()
    expect(bad).toMatchObject({ kind: 'InvalidInput', field: 'options.conditions[0]' })
    expect(bad.message).toContain('compare with "=="')
  })

  test('conditions cannot reach prototypes', async () => {
    const result = (
      await runProbe(
        httpProbe({
          url: `${server.url}/health`,
          conditions: ['has(constructor)', 'has(__proto__)'],
        }),
      )
    )._unsafeUnwrap()
    expect(
      result.assertions.filter((a) => a.name.startsWith('condition')).map((a) => a.ok),
    ).toEqual([false, false])
  })

  test('expected headers: exact, pattern, present, missing', async () => {
    const pass = await runProbe(
      httpProbe({
        url: `${server.url}/health`,
        expectHeaders: { 'X-Release': 'v1.4.2', 'content-type': /json/, date: true },
      }),
    )
    expect(pass._unsafeUnwrap().ok).toBe(true)
    const fail = (
      await runProbe(
        httpProbe({ url: `${server.url}/health`, expectHeaders: { 'x-missing': true } }),
      )
    )._unsafeUnwrap()
    expect(fail.ok).toBe(false)
    expect(fail.message).toBe('header x-missing: expected present, got null')
  })

  test('method and request body are sent', async () => {
    const result = (
      await runProbe(
        httpProbe({
          url: `${server.url}/echo-method`,
          method: 'post',
          body: '{}',
          conditions: ['method == "POST"'],
        }),
      )
    )._unsafeUnwrap()
    expect(result.ok).toBe(true)
  })

  test('redirects: not followed by default, followed up to followRedirects', async () => {
    const unfollowed = (await runProbe(httpProbe({ url: `${server.url}/old` })))._unsafeUnwrap()
    expect(unfollowed).toMatchObject({ ok: true, observed: { status: 302 } })
    const followed = (
      await runProbe(
        httpProbe({ url: `${server.url}/old`, followRedirects: 3, conditions: ['status == "UP"'] }),
      )
    )._unsafeUnwrap()
    expect(followed.ok, followed.message).toBe(true)
    expect(followed.observed['redirects']).toEqual([`${server.url}/health`])
    const loop = (
      await runProbe(
        httpProbe({ url: `${server.url}/loop`, followRedirects: 3, expectStatus: '2xx' }),
      )
    )._unsafeUnwrap()
    expect(loop.ok).toBe(false)
    expect(loop.observed['redirects']).toHaveLength(3)
    expect(loop.message).toBe(
      'status: expected 2xx, got 307; redirects: expected at most 3, got "a 4th (307 to /loop)"',
    )
    const seeOther = (
      await runProbe(
        httpProbe({
          url: `${server.url}/post-then-see`,
          method: 'POST',
          body: '{}',
          followRedirects: 1,
          conditions: ['method == "GET"'],
        }),
      )
    )._unsafeUnwrap()
    expect(seeOther.ok, seeOther.message).toBe(true)
  })

  test('a redirect loop that runs out of followRedirects fails, whatever the status set', async () => {
    for (const followRedirects of [1, 5]) {
      const loop = (
        await runProbe(httpProbe({ url: `${server.url}/loop`, followRedirects }))
      )._unsafeUnwrap()
      expect(loop.ok).toBe(false)
      expect(loop.observed).toMatchObject({ status: 307, redirectsExhausted: true })
      expect(loop.observed['redirects']).toHaveLength(followRedirects)
      expect(loop.assertions).toContainEqual({
        name: 'redirects',
        ok: false,
        expected: `at most ${followRedirects}`,
        observed: `a ${followRedirects === 1 ? '2nd' : '6th'} (307 to /loop)`,
      })
    }
    // Not following at all (the default) keeps a 3xx as the answer, as Kubernetes does.
    const unfollowed = (await runProbe(httpProbe({ url: `${server.url}/loop` })))._unsafeUnwrap()
    expect(unfollowed.ok).toBe(true)
  })

  test('a redirect to another origin drops the credentials', async () => {
    const direct = await runProbe(
      httpProbe({
        url: `${server.url}/echo-method`,
        headers: { authorization: 'Bearer t0ken-value' },
        conditions: ['authorized == true'],
      }),
    )
    expect(direct._unsafeUnwrap().ok).toBe(true)
    const other = await startServer((_request, response) =>
      reply(response, {
        status: 302,
        body: '',
        headers: { location: `${server.url}/echo-method` },
      }),
    )
    try {
      const result = (
        await runProbe(
          httpProbe({
            url: other.url.replace('localhost', '127.0.0.1'),
            headers: { authorization: 'Bearer t0ken-value' },
            followRedirects: 1,
            conditions: ['authorized == false'],
          }),
        )
      )._unsafeUnwrap()
      expect(result.ok, result.message).toBe(true)
    } finally {
      await other.close()
    }
  })

  test('max latency: a 300 ms answer fails a 100 ms limit and passes a 2 s one', async () => {
    const slow = (
      await runProbe(httpProbe({ url: `${server.url}/slow`, maxLatencyMs: 100 }), {
        timeoutMs: 5_000,
      })
    )._unsafeUnwrap()
    expect(slow.ok).toBe(false)
    expect(slow.latencyMs).toBeGreaterThanOrEqual(290)
    expect(slow.message).toMatch(/^latency: expected <= 100 ms, got \d+$/)
    const fine = await runProbe(httpProbe({ url: `${server.url}/slow`, maxLatencyMs: 2_000 }), {
      timeoutMs: 5_000,
    })
    expect(fine._unsafeUnwrap().ok).toBe(true)
  })

  test('a timeout is a failing result, not an error, and does not wait for the server', async () => {
    const started = Date.now()
    const result = (
      await runProbe(httpProbe({ url: `${server.url}/hang` }), { timeoutMs: 200 })
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toBe('no answer within 200 ms')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  test('an aborted signal is err(Aborted)', async () => {
    const error = (
      await runProbe(httpProbe({ url: `${server.url}/hang` }), {
        timeoutMs: 5_000,
        signal: AbortSignal.timeout(100),
      })
    )._unsafeUnwrapErr()
    expect(error.kind).toBe('Aborted')
  })

  test('credentials in the URL never appear in the result', async () => {
    const result = (
      await runProbe(httpProbe({ url: `http://admin:hunter22@localhost:${server.port}/health` }))
    )._unsafeUnwrap()
    expect(result.ok).toBe(true)
    expect(JSON.stringify(result)).not.toContain('hunter22')
  })
})

describe('closed ports', () => {
  test('an HTTP probe against a closed port fails fast with a clear message', async () => {
    const port = await closedPort()
    const started = Date.now()
    const result = (
      await runProbe(httpProbe({ url: `http://localhost:${port}/health` }), { timeoutMs: 10_000 })
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toContain(`connection refused by localhost:${port}`)
    expect(result.message).toContain('nothing listens there')
    expect(result.observed).toEqual({ connected: false })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  test('a TCP probe against a closed port fails fast with a clear message', async () => {
    const port = await closedPort()
    const started = Date.now()
    const result = (
      await runProbe(tcpProbe({ host: '127.0.0.1', port }), { timeoutMs: 10_000 })
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toBe(
      `connection refused by 127.0.0.1:${port} (tried 127.0.0.1): nothing listens there`,
    )
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})

describe('localhost reaches either loopback family', () => {
  for (const host of ['127.0.0.1', '::1']) {
    test(`a server bound only to ${host} is reached through localhost (http and tcp)`, async (context) => {
      if (host === '::1' && !(await hasIpv6Loopback())) {
        if (process.env['CI'] === 'true') throw new Error('no IPv6 loopback on this machine')
        context.skip()
      }
      const server = await startServer(
        (_request, response) => reply(response, { body: { status: 'UP' } }),
        { host },
      )
      try {
        const http = (
          await runProbe(httpProbe({ url: `http://localhost:${server.port}/` }))
        )._unsafeUnwrap()
        expect(http.ok, http.message).toBe(true)
        expect(http.observed['remoteAddress']).toBe(host)
        const tcp = (
          await runProbe(tcpProbe({ host: 'localhost', port: server.port }))
        )._unsafeUnwrap()
        expect(tcp.ok, tcp.message).toBe(true)
        expect(tcp.observed['remoteAddress']).toBe(host)
        expect(server.hits()).toBe(1)
      } finally {
        await server.close()
      }
    })
  }
})

describe('IP literals', () => {
  test('an IPv6 literal URL and host are reached', async (context) => {
    if (!(await hasIpv6Loopback())) {
      if (process.env['CI'] === 'true') throw new Error('no IPv6 loopback on this machine')
      context.skip()
    }
    const server = await startServer((_request, response) => reply(response, { body: {} }), {
      host: '::1',
    })
    try {
      const http = (
        await runProbe(httpProbe({ url: `http://[::1]:${server.port}/` }))
      )._unsafeUnwrap()
      expect(http.ok, http.message).toBe(true)
      const tcp = (await runProbe(tcpProbe({ host: '::1', port: server.port })))._unsafeUnwrap()
      expect(tcp.ok, tcp.message).toBe(true)
      expect(tcp.target).toBe(`[::1]:${server.port}`)
    } finally {
      await server.close()
    }
  })
})

describe('TLS certificate days left', () => {
  let dir: string
  let server: TestServer
  let cert: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rk-verify-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    const key = readFileSync(join(dir, 'key.pem'), 'utf8')
    server = await startServer(
      (_request, response) => reply(response, { body: { status: 'UP' } }),
      { tls: { key, cert } },
    )
  })
  afterAll(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('reports the days left of the presented certificate and checks the minimum', async () => {
    const pass = (
      await runProbe(httpProbe({ url: server.url, ca: cert, minCertificateDays: 7 }), {
        timeoutMs: 5_000,
      })
    )._unsafeUnwrap()
    expect(pass.ok, pass.message).toBe(true)
    const days = pass.observed['certificateDaysLeft']
    expect(typeof days).toBe('number')
    expect(days as number).toBeGreaterThan(29)
    expect(days as number).toBeLessThanOrEqual(30)
    const fail = (
      await runProbe(httpProbe({ url: server.url, ca: cert, minCertificateDays: 45 }), {
        timeoutMs: 5_000,
      })
    )._unsafeUnwrap()
    expect(fail.ok).toBe(false)
    expect(fail.message).toMatch(/^certificate days left: expected >= 45, got (29|30)/)
  })

  test('an untrusted certificate fails with the TLS reason', async () => {
    const result = (
      await runProbe(httpProbe({ url: server.url }), { timeoutMs: 5_000 })
    )._unsafeUnwrap()
    expect(result.ok).toBe(false)
    expect(result.message).toMatch(/SELF_SIGNED|self.signed/i)
  })

  test('tlsProbe: handshake, trust and days left of any TLS endpoint', async () => {
    const pass = (
      await runProbe(
        tlsProbe({ host: 'localhost', port: server.port, ca: cert, minCertificateDays: 7 }),
        {
          timeoutMs: 5_000,
        },
      )
    )._unsafeUnwrap()
    expect(pass.ok, pass.message).toBe(true)
    expect(pass.kind).toBe('tls')
    expect(pass.observed['certificateDaysLeft'] as number).toBeGreaterThan(29)
    expect(pass.observed['certificateSubject']).toBe('CN=localhost')
    expect(pass.message).toMatch(
      /^TLSv1\.[23] handshake in \d+ ms, certificate valid for (29|30)(\.\d)? more days$/,
    )
    const short = (
      await runProbe(
        tlsProbe({
          host: '127.0.0.1',
          port: server.port,
          servername: 'localhost',
          ca: cert,
          minCertificateDays: 60,
        }),
        {
          timeoutMs: 5_000,
        },
      )
    )._unsafeUnwrap()
    expect(short.ok).toBe(false)
    expect(short.message).toMatch(/^certificate days left: expected >= 60, got (29|30)/)
    const untrusted = (
      await runProbe(tlsProbe({ host: 'localhost', port: server.port }), { timeoutMs: 5_000 })
    )._unsafeUnwrap()
    expect(untrusted.ok).toBe(false)
    expect(untrusted.message).toMatch(/SELF_SIGNED|self.signed/i)
    const wrongName = (
      await runProbe(
        tlsProbe({
          host: 'localhost',
          port: server.port,
          servername: 'shop.example.com',
          ca: cert,
        }),
        {
          timeoutMs: 5_000,
        },
      )
    )._unsafeUnwrap()
    expect(wrongName.ok).toBe(false)
    expect(wrongName.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|altnames/i)
  })

  test('minCertificateDays on an http URL is InvalidInput', async () => {
    const error = (
      await runProbe(httpProbe({ url: 'http://localhost:1/', minCertificateDays: 3 }))
    )._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'options.minCertificateDays' })
  })
})

describe('maxBodyBytes on an endless body', () => {
  test('reading stops at the limit and the connection is closed; no wait for the timeout', async () => {
    let closed = false
    let written = 0
    const endless = await startServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      const chunk = Buffer.alloc(64 * 1024, 'y')
      request.socket.on('close', () => (closed = true))
      const pump = (): void => {
        while (!closed && response.write(chunk)) written += chunk.length
        if (!closed) response.once('drain', pump)
      }
      pump()
    })
    try {
      const result = (
        await runProbe(
          httpProbe({ url: `${endless.url}/stream`, maxBodyBytes: 100_000, bodyContains: 'yyy' }),
          { timeoutMs: 20_000 },
        )
      )._unsafeUnwrap()
      expect(result.ok, result.message).toBe(true)
      expect(result.observed).toMatchObject({
        status: 200,
        bodyBytes: 100_000,
        bodyTruncated: true,
      })
      expect(result.observed['timedOut']).toBeUndefined()
      await expect.poll(() => closed, { timeout: 10_000 }).toBe(true)
      expect(written).toBeLessThan(1024 * 1024 * 1024)
    } finally {
      await endless.close()
    }
  })
})
