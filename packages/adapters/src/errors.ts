/** Rules an adapter configuration can break (closed union; tests assert on `rule`, never on message text). */
export type AdapterConfigRule =
  | 'not-json'
  | 'not-an-object'
  | 'wrong-peft-type'
  | 'missing-field'
  | 'bad-field'
  | 'unsupported'

/** An adapter configuration (PEFT `adapter_config.json`, kohya metadata, or options) is broken.
 *  Names the file, the field, the rule and the fix.
 *  @since 0.1.0  @category errors */
export class AdapterConfigError extends Error {
  readonly _tag = 'AdapterConfigError'
  constructor(readonly rule: AdapterConfigRule, readonly file: string, readonly field: string | undefined, detail: string) {
    super(`${file}${field !== undefined ? `: field "${field}"` : ''}: ${rule}: ${detail}`)
  }
}

/** Rules a set of modules can break (closed union). */
export type ModuleRule =
  | 'missing-tensor'
  | 'extra-tensor'
  | 'shape-mismatch'
  | 'rank-mismatch'
  | 'rank-too-large'
  | 'not-a-matrix'
  | 'missing-calibration'
  | 'unknown-key'
  | 'not-finite'

/** A module (one linear layer's adapter or weight pair) is inconsistent: base and tuned differ in tensor
 *  set or shape, A and B disagree on the rank, a rank exceeds min(out, in), a calibration key is missing, …
 *  The message names the module, the values and the fix.
 *  @since 0.1.0  @category errors */
export class ModuleError extends Error {
  readonly _tag = 'ModuleError'
  constructor(readonly rule: ModuleRule, readonly module: string, detail: string) {
    super(`module "${module}": ${rule}: ${detail}`)
  }
}

/** A file or directory could not be read or written (missing, not a directory, permission, disk full).
 *  @since 0.1.0  @category errors */
export class AdapterFileError extends Error {
  readonly _tag = 'AdapterFileError'
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`)
  }
}

/** Every error @lr/adapters raises itself (functions also pass on @lr/svd's and @lr/io-safetensors' errors).
 *  @since 0.1.0  @category errors */
export type AdapterError = AdapterConfigError | ModuleError | AdapterFileError
