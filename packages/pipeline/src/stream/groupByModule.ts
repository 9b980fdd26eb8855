import { makeStream, type TensorStream } from './stream.js'

/** The tensors of one module (`model.layers.0.self_attn.q_proj`), by the last part of their names
 *  (`weight`, `bias`, `weight_u`, `lora_A.weight`, …).
 *  @since 0.1.0  @category combinators */
export interface ModuleGroup<A> {
  readonly module: string
  readonly tensors: Readonly<Record<string, A>>
}

/** Splits a tensor name into its module and the parameter name: `a.b.weight` → [`a.b`, `weight`];
 *  `…q_proj.lora_A.weight` → [`…q_proj`, `lora_A.weight`]. */
export const splitModuleName = (name: string): [module: string, param: string] => {
  const m = /^(.*?)\.((?:lora_[AB]|lora_(?:down|up)|lora_magnitude_vector)(?:\.[^.]+)*|[^.]+)$/.exec(name)
  return m ? [m[1]!, m[2]!] : ['', name]
}

/** Groups elements by module (consecutive or not), in order of first appearance; a group is loaded at once.
 *  @example pipe(readCheckpoint('model'), groupByModule(), mapTensor((g) => g.tensors['weight']))
 *  @since 0.1.0  @category combinators */
export const groupByModule = () => <A>(s: TensorStream<A>): TensorStream<ModuleGroup<A>> =>
  makeStream(async () => {
    const o = await s.open()
    const groups = new Map<string, { param: string; load: () => Promise<A> }[]>()
    for (const it of o.items) {
      const [module, param] = splitModuleName(it.name)
      const g = groups.get(module) ?? []
      g.push({ param, load: it.load })
      groups.set(module, g)
    }
    return {
      close: o.close,
      items: [...groups].map(([module, members]) => ({
        name: module,
        load: async () => {
          const tensors: Record<string, A> = {}
          for (const m of members) tensors[m.param] = await m.load()
          return { module, tensors }
        },
      })),
    }
  })
