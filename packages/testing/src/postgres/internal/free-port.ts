import { createServer } from 'node:net'

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it when we bind port 0.
 * Another process may still take it before the server binds, so callers retry on "in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port found'))))
    })
  })
}
