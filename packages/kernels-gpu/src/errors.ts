/** No WebGPU adapter could be found (no driver, or `navigator.gpu` missing).
 *  @since 0.1.0  @category errors */
export class NoAdapter extends Error {
  readonly _tag = 'NoAdapter'
  constructor(readonly detail: string) {
    super(`no WebGPU adapter: ${detail}; install mesa-vulkan-drivers (lavapipe) or a GPU driver with Vulkan, or use --device cpu`)
  }
}

/** The adapter was found but `requestDevice` failed or the device was lost.
 *  @since 0.1.0  @category errors */
export class DeviceFailed extends Error {
  readonly _tag = 'DeviceFailed'
  constructor(readonly op: string, detail: string) {
    super(`${op}: WebGPU device failed: ${detail}; check the driver (vulkaninfo) or use --device cpu`)
  }
}

/** A request exceeds a device limit (`maxBufferSize`, `maxStorageBufferBindingSize`, …) even after chunking.
 *  @since 0.1.0  @category errors */
export class LimitExceeded extends Error {
  readonly _tag = 'LimitExceeded'
  constructor(readonly op: string, readonly limit: string, readonly requested: number, readonly allowed: number, fix: string) {
    super(`${op}: needs ${limit} >= ${requested} but the device allows ${allowed}; ${fix}`)
  }
}

/** A kernel needs an adapter feature that is missing (`shader-f16`, `chromium-experimental-subgroup-matrix`).
 *  @since 0.1.0  @category errors */
export class FeatureMissing extends Error {
  readonly _tag = 'FeatureMissing'
  constructor(readonly op: string, readonly feature: string, fix: string) {
    super(`${op}: the adapter lacks the WebGPU feature "${feature}"; ${fix}`)
  }
}

/** A WebGPU validation or out-of-memory error raised while running a kernel (a bug or an oversize request).
 *  @since 0.1.0  @category errors */
export class GpuOperationFailed extends Error {
  readonly _tag = 'GpuOperationFailed'
  constructor(readonly op: string, readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'shader', detail: string) {
    super(`${op}: WebGPU ${kind} error: ${detail}`)
  }
}

/** Operand shapes violate `rule` (same fields and tag as @lr/svd's ShapeMismatch).
 *  @since 0.1.0  @category errors */
export class ShapeMismatch extends Error {
  readonly _tag = 'ShapeMismatch'
  constructor(readonly op: string, readonly rule: string, readonly a: readonly number[], readonly b: readonly number[]) {
    super(`${op}: ${rule} violated: [${a.join(', ')}] vs [${b.join(', ')}]; transpose() one operand or fix the rank`)
  }
}

/** An argument is outside its domain (a destroyed GpuMat, a non-f32 input, rank 0, …).
 *  @since 0.1.0  @category errors */
export class InvalidArgument extends Error {
  readonly _tag = 'InvalidArgument'
  constructor(readonly op: string, readonly argument: string, detail: string) {
    super(`${op}: invalid "${argument}": ${detail}`)
  }
}

/** Every error @lr/kernels-gpu returns.  @since 0.1.0  @category errors */
export type GpuError = NoAdapter | DeviceFailed | LimitExceeded | FeatureMissing | GpuOperationFailed | ShapeMismatch | InvalidArgument

/** Wraps an unknown thrown value into a GpuError (tagged errors pass through). */
export const toGpuError = (op: string) => (e: unknown): GpuError => {
  if (e instanceof Error && '_tag' in e) return e as GpuError
  const msg = e instanceof Error ? e.message : String(e)
  return new GpuOperationFailed(op, 'internal', msg)
}
