// A tiny static server for the browser check: the bundle and an HTML page, under /isolated/ with the
// headers that make the page cross-origin isolated (SharedArrayBuffer, Workers sharing WebAssembly
// memory) and under /plain/ without them (the single-thread, unshared-memory fallback).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const HTML = '<!doctype html><meta charset="utf-8"><title>lr browser check</title><script type="module" src="page.js"></script>'

export interface CheckServer { readonly origin: string; close(): Promise<void> }

/** Serves `bundle` (JavaScript text) on 127.0.0.1 at an ephemeral port. */
export const serve = async (bundle: string): Promise<CheckServer> => {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const m = /^\/(isolated|plain)\/(index\.html|page\.js)?$/.exec(url.pathname)
    if (m === null) { res.writeHead(404).end('not found'); return }
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' }
    if (m[1] === 'isolated') {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin'
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp'
      headers['Cross-Origin-Resource-Policy'] = 'same-origin'
    }
    const isScript = m[2] === 'page.js'
    headers['Content-Type'] = isScript ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8'
    res.writeHead(200, headers).end(isScript ? bundle : HTML)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
