import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  httpProbe,
  performanceCheck,
  probeCheck,
  renderHealthJson,
  renderJUnit,
  renderVerificationJson,
  renderVerificationMarkdown,
  runProbe,
  runSuite,
  type VerificationReport,
} from '@rollback-kit/verify'
import { reply, startServer, type TestServer } from './support/http-server.js'

// A server that echoes everything it was sent: request headers and URL in the body and in
// response headers, and a redirect carrying the query. Whatever the caller sent as a
// credential must not reach a result or any of the four report formats.

const TOKEN = 'tok-9f2c1a7e5b'
const COOKIE_SESSION = 'sess-4d8e0c2b71'
const API_KEY = 'key-7a3b9c1d5e'
const CUSTOM_TOKEN = 'ctk-2e6f8a0b4c'
const SIGNATURE = 'sig-5c1e7a9b3d'
const URL_PASSWORD = 'pw-8b2d4f6a0c'
const SECRETS = [TOKEN, COOKIE_SESSION, API_KEY, CUSTOM_TOKEN, SIGNATURE, URL_PASSWORD]

let server: TestServer
beforeAll(async () => {
  server = await startServer((request, response) => {
    const echo = {
      url: request.url,
      headers: request.headers,
      authorization: request.headers.authorization,
    }
    if ((request.url ?? '').startsWith('/redirect')) {
      return reply(response, {
        status: 302,
        body: '',
        headers: { location: `/echo${(request.url ?? '').slice('/redirect'.length)}` },
      })
    }
    return reply(response, {
      status: 503,
      body: echo,
      headers: {
        'x-echo-authorization': String(request.headers.authorization ?? ''),
        'x-echo-cookie': String(request.headers.cookie ?? ''),
        'x-echo-url': request.url ?? '',
      },
    })
  })
})
afterAll(() => server.close())

const headers = {
  authorization: `Bearer ${TOKEN}`,
  cookie: `session=${COOKIE_SESSION}; theme=dark`,
  'X-Api-Key': API_KEY,
  'x-custom-token': CUSTOM_TOKEN,
  accept: 'application/json',
}

function urlWith(path: string): string {
  return `${server.url.replace('://', `://probe:${URL_PASSWORD}@`)}${path}?sig=${SIGNATURE}&page=2`
}

function echoProbe(path: string) {
  return httpProbe({
    name: 'echo',
    url: urlWith(path),
    headers,
    followRedirects: 2,
    // Every kind of evidence: conditions observing echoed values, a body excerpt, headers.
    conditions: [
      'authorization == "nothing"',
      'headers.cookie == "nothing"',
      'headers["x-api-key"] == "nothing"',
      'url == "nothing"',
    ],
    bodyContains: 'never in the body',
    expectHeaders: {
      'x-echo-authorization': 'nothing',
      'x-echo-url': 'nothing',
      'x-echo-cookie': /nothing/,
    },
  })
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${where}`).toBe(false)
}

describe('credentials the caller sent are secrets by default', () => {
  test('the probe result holds none of them, echoed or not, and still shows what it saw', async () => {
    for (const path of ['/echo', '/redirect']) {
      const result = (await runProbe(echoProbe(path), { timeoutMs: 10_000 }))._unsafeUnwrap()
      expect(result.ok).toBe(false)
      expect(result.observed['status']).toBe(503)
      expectNoSecret(JSON.stringify(result), `the result of ${path}`)
      expect(result.target).toContain('sig=***')
      expect(result.target).toContain('page=2')
      // Harmless values stay readable.
      expect(JSON.stringify(result)).toContain('application/json')
    }
  })

  test('none of them reaches the Markdown, JSON, JUnit or health+json report', async () => {
    const suite = {
      name: 'echo suite',
      checks: [
        probeCheck(echoProbe('/echo'), { timeoutMs: 10_000 }),
        probeCheck(echoProbe('/redirect'), { name: 'echo via redirect', timeoutMs: 10_000 }),
        performanceCheck({
          name: 'echo load',
          url: urlWith('/echo'),
          headers,
          requests: 4,
          concurrency: 2,
        }),
      ],
    }
    const report: VerificationReport = (await runSuite(suite))._unsafeUnwrap()
    expect(report.verdict).toBe('fail')
    const rendered = {
      markdown: renderVerificationMarkdown(report),
      json: renderVerificationJson(report),
      junit: renderJUnit(report),
      health: JSON.stringify(renderHealthJson(report)),
    }
    for (const [format, text] of Object.entries(rendered)) {
      expectNoSecret(text, format)
      expect(text).toContain('echo')
    }
    expect(rendered.markdown).toContain('sig=***')
  })

  test('sig and other signature parameters are redacted from targets and redirects', async () => {
    const result = (
      await runProbe(
        httpProbe({
          url: `${server.url}/redirect?sig=${SIGNATURE}&X-Amz-Signature=${SIGNATURE}x&keep=1`,
          followRedirects: 1,
        }),
        { timeoutMs: 10_000 },
      )
    )._unsafeUnwrap()
    expectNoSecret(JSON.stringify(result), 'result')
    expect(result.observed['redirects']).toEqual([
      `${server.url}/echo?sig=***&X-Amz-Signature=***&keep=1`,
    ])
  })
})

describe('an unparseable URL never shows its password', () => {
  test.each([
    [`http://admin:${URL_PASSWORD}@localhost:99999/health`],
    [`http://admin:${URL_PASSWORD}@exa mple.com/health`],
    [`http://admin:${URL_PASSWORD}@[::1/health`],
    [`https://${URL_PASSWORD}@local host/x?sig=${SIGNATURE}`],
  ])('%s', async (url) => {
    const probe = httpProbe({ url })
    const error = (await runProbe(probe))._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'InvalidInput', field: 'options.url' })
    expectNoSecret(JSON.stringify(error), 'the error')
    expectNoSecret(`${probe.name} ${probe.target}`, 'the probe name and target')
    expect(error.message).toContain('***')
  })
})
