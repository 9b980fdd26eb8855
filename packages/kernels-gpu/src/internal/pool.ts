/** Buffer bookkeeping of one GpuContext: every buffer a kernel creates goes through here, so that
 *  `destroy()` can release all of them and tests can count live buffers (leaks). Staging buffers for
 *  readback are reused by size (the pool); everything else is destroyed by its owner. */
export class BufferBook {
  readonly live = new Set<GPUBuffer>()
  private readonly free = new Map<string, GPUBuffer[]>()
  constructor(private readonly device: GPUDevice) {}

  create(size: number, usage: number, label: string): GPUBuffer {
    const b = this.device.createBuffer({ size, usage, label })
    this.live.add(b)
    return b
  }

  destroy(b: GPUBuffer): void {
    if (this.live.delete(b)) b.destroy()
  }

  /** A pooled buffer of exactly `size` bytes and `usage` (created on first use). */
  acquire(size: number, usage: number, label: string): GPUBuffer {
    const list = this.free.get(`${size}:${usage}`)
    return list?.pop() ?? this.create(size, usage, label)
  }

  /** Returns a pooled buffer; at most `keep` buffers per size are kept, the rest destroyed. */
  release(b: GPUBuffer, keep = 2): void {
    if (!this.live.has(b)) return
    const key = `${b.size}:${b.usage}`
    const list = this.free.get(key) ?? []
    if (list.length >= keep) { this.destroy(b); return }
    list.push(b)
    this.free.set(key, list)
  }

  pooledCount(): number {
    let n = 0
    for (const l of this.free.values()) n += l.length
    return n
  }

  destroyAll(): void {
    for (const b of this.live) b.destroy()
    this.live.clear()
    this.free.clear()
  }
}
