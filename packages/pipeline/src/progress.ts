/** A progress event: `done` of `total` items of `stage`, optionally naming the current item (tensor name).
 *  The CLI renders these (a bar on a terminal); `--json` omits them. Same shape as @lr/cli's ProgressEvent.
 *  @since 0.1.0  @category progress */
export interface ProgressEvent { readonly stage: string; readonly done: number; readonly total: number; readonly item?: string }
