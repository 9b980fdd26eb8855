/** A progress event of a long operation (the shape @lr/pipeline and the CLI's progress bar use).
 *  @since 0.1.0  @category model */
export interface ProgressEvent { readonly stage: string; readonly done: number; readonly total: number; readonly item?: string }

/** A progress sink; functions call it and print nothing themselves.  @since 0.1.0  @category model */
export type OnProgress = (event: ProgressEvent) => void
