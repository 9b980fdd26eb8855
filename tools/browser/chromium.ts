// A minimal headless-Chromium driver over the Chrome DevTools Protocol, with Node 22's built-in
// WebSocket: launch, open a page, evaluate expressions, collect console output and exceptions of the
// page and of its workers. No puppeteer/playwright (their browser downloads are unreachable here).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The Chromium binary: $CHROMIUM, else the first of the usual Debian/Ubuntu paths that exists, else null. */
export const findChromium = (): string | null => {
  const env = process.env['CHROMIUM']
  if (env !== undefined && env !== '') return existsSync(env) ? env : null
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']) {
    if (existsSync(p)) return p
  }
  return null
}

export interface LogEntry { readonly source: 'page' | 'worker'; readonly level: string; readonly text: string }

interface Pending { resolve(v: unknown): void; reject(e: Error): void; method: string }

export class CdpError extends Error {
  readonly _tag = 'CdpError'
  readonly method: string
  constructor(method: string, detail: string) { super(`CDP ${method}: ${detail}`); this.method = method }
}

/** One browser process and one WebSocket to it. */
export class Browser {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Set<(msg: { method: string; params: Record<string, unknown>; sessionId?: string }) => void>()
  private readonly proc: ChildProcess
  private readonly ws: WebSocket
  private readonly profile: string
  private constructor(proc: ChildProcess, ws: WebSocket, profile: string) {
    this.proc = proc; this.ws = ws; this.profile = profile
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string }
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id)
        if (p === undefined) return
        this.pending.delete(msg.id)
        if (msg.error) p.reject(new CdpError(p.method, msg.error.message))
        else p.resolve(msg.result)
      } else if (msg.method !== undefined) {
        for (const l of this.listeners) l({ method: msg.method, params: msg.params ?? {}, ...(msg.sessionId !== undefined ? { sessionId: msg.sessionId } : {}) })
      }
    })
    ws.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new CdpError(p.method, 'connection to the browser closed'))
      this.pending.clear()
    })
  }

  /** Starts `binary` headless with a fresh profile; resolves once the DevTools socket is open. */
  static async launch(binary: string, opts: { readonly args?: readonly string[]; readonly timeoutMs?: number } = {}): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'lr-chromium-'))
    const args = ['--headless=new', '--no-sandbox', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
      '--no-first-run', '--no-default-browser-check', '--disable-gpu', '--disable-extensions', '--mute-audio',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
      ...(opts.args ?? []), 'about:blank']
    // its own process group: close() ends the renderer/GPU/utility children too, not only the browser process
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    const url = await new Promise<string>((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new CdpError('launch', `no DevTools URL within ${opts.timeoutMs ?? 20000} ms; stderr:\n${err}`)) }, opts.timeoutMs ?? 20000)
      proc.stderr!.setEncoding('utf8')
      proc.stderr!.on('data', (d: string) => {
        err += d
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
        if (m) { clearTimeout(timer); resolve(m[1]!) }
      })
      proc.on('exit', (code) => { clearTimeout(timer); reject(new CdpError('launch', `${binary} exited with ${code}; stderr:\n${err}`)) })
      proc.on('error', (e) => { clearTimeout(timer); reject(new CdpError('launch', `${binary}: ${e.message}`)) })
    })
    proc.stderr!.resume()
    // a test runner that kills this process on a timeout must not leave the browser behind
    const kill = (): void => { proc.kill('SIGKILL') }
    process.once('exit', kill)
    proc.once('exit', () => process.off('exit', kill))
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true })
      ws.addEventListener('error', () => reject(new CdpError('connect', `cannot open ${url}`)), { once: true })
    })
    return new Browser(proc, ws, profile)
  }

  /** Sends one CDP command; rejects with a CdpError naming it if no answer comes within `timeoutMs`
   *  (a hung page fails the check instead of stalling it). */
  send<R = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 60000): Promise<R> {
    const id = this.nextId++
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new CdpError(method, `no answer within ${timeoutMs} ms${method === 'Runtime.evaluate' ? ` to ${String(params['expression']).slice(0, 100)}` : ''}`))
      }, timeoutMs)
      const done = (f: (v: never) => void) => (v: never): void => { clearTimeout(timer); f(v) }
      this.pending.set(id, { resolve: done(resolve as (v: unknown) => void), reject: done(reject), method })
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId !== undefined ? { sessionId } : {}) }))
    })
  }

  on(l: (msg: { method: string; params: Record<string, unknown>; sessionId?: string }) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  /** Opens `url` in a new tab; resolves after its load event. Console output and uncaught exceptions of
   *  the page and of every worker it starts are appended to the page's `log`. */
  async open(url: string, timeoutMs = 20000): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' })
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true })
    const page = new Page(this, sessionId, targetId)
    await this.send('Runtime.enable', {}, sessionId)
    await this.send('Page.enable', {}, sessionId)
    await this.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId)
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new CdpError('Page.navigate', `${url}: no load event within ${timeoutMs} ms`)) }, timeoutMs)
      const off = this.on((m) => { if (m.sessionId === sessionId && m.method === 'Page.loadEventFired') { clearTimeout(timer); off(); resolve() } })
    })
    const nav = await this.send<{ errorText?: string }>('Page.navigate', { url }, sessionId)
    if (nav.errorText) throw new CdpError('Page.navigate', `${url}: ${nav.errorText}`)
    await loaded
    return page
  }

  async close(): Promise<void> {
    try { await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 2000))]) } catch { /* already gone: the kill below is what matters */ }
    this.ws.close()
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r))
      this.proc.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL')
    }
    // children of the browser may still be writing to the profile for a moment (ENOTEMPTY seen in CI):
    // end the whole group, then remove the directory with retries; a leftover temp dir is not an error
    try { if (this.proc.pid !== undefined) process.kill(-this.proc.pid, 'SIGKILL') } catch { /* group already gone */ }
    try { rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) } catch (e) {
      process.emitWarning(`could not remove the Chromium profile ${this.profile}: ${(e as Error).message}`)
    }
  }
}

const remoteText = (a: { type?: string; value?: unknown; description?: string }): string =>
  a.value !== undefined ? String(a.value) : a.description ?? a.type ?? ''

/** One tab, attached with a flat CDP session. */
export class Page {
  readonly log: LogEntry[] = []
  private readonly workerSessions = new Set<string>()
  private readonly browser: Browser
  private readonly sessionId: string
  readonly targetId: string
  constructor(browser: Browser, sessionId: string, targetId: string) {
    this.browser = browser; this.sessionId = sessionId; this.targetId = targetId
    browser.on((m) => {
      const fromPage = m.sessionId === sessionId
      const fromWorker = m.sessionId !== undefined && this.workerSessions.has(m.sessionId)
      if (m.method === 'Target.attachedToTarget' && (fromPage || fromWorker)) {
        // a worker of the page, or a worker of one of its workers (nested)
        const s = m.params['sessionId'] as string
        this.workerSessions.add(s)
        const ignore = (): undefined => undefined   // the worker may already be gone
        void browser.send('Runtime.enable', {}, s).catch(ignore)
        void browser.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, s).catch(ignore)
        void browser.send('Runtime.runIfWaitingForDebugger', {}, s).catch(ignore)
        return
      }
      if (!fromPage && !fromWorker) return
      const source = fromPage ? 'page' : 'worker'
      if (m.method === 'Runtime.consoleAPICalled') {
        const args = (m.params['args'] as { type?: string; value?: unknown; description?: string }[]) ?? []
        this.log.push({ source, level: String(m.params['type']), text: args.map(remoteText).join(' ') })
      } else if (m.method === 'Runtime.exceptionThrown') {
        const d = m.params['exceptionDetails'] as { text?: string; exception?: { description?: string } }
        this.log.push({ source, level: 'exception', text: d.exception?.description ?? d.text ?? 'exception' })
      }
    })
  }

  /** Evaluates `expression` in the page (awaiting a returned promise) and returns its JSON value. */
  async evaluate<R>(expression: string): Promise<R> {
    const r = await this.browser.send<{ result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } }>(
      'Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, this.sessionId)
    if (r.exceptionDetails) {
      throw new CdpError('Runtime.evaluate', `${expression.slice(0, 80)}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`)
    }
    return r.result.value as R
  }

  close(): Promise<unknown> { return this.browser.send('Target.closeTarget', { targetId: this.targetId }) }
}
