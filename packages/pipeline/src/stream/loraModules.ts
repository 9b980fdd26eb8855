import type { LoraAdapter } from '@lr/adapters'
import type { AdapterEntry } from './adapterEntry.js'
import { makeStream, type TensorStream } from './stream.js'

/** The modules of an adapter in memory as a stream of entries (LoRA modules in file order, then its
 *  `modules_to_save` tensors), for stages such as resize and sinks such as `writeLoraAdapter`.
 *  @example pipe(loraModules(adapter), mapTensor(resize), writeLoraAdapter('small'))
 *  @since 0.1.0  @category sources */
export const loraModules = (adapter: LoraAdapter<Float32Array>): TensorStream<AdapterEntry> => {
  const entries: AdapterEntry[] = [
    ...[...adapter.modules.values()].map((m) => ({ type: 'lora' as const, name: m.module, lora: m })),
    ...[...adapter.modulesToSave?.values() ?? []].map((t) => ({ type: 'saved' as const, name: t.name, tensor: t })),
  ]
  return makeStream(async () => ({ items: entries.map((e) => ({ name: e.name, load: async () => e })), close: async () => {} }))
}
