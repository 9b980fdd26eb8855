import { Option, type Command } from 'commander'
import { pipe } from 'fp-ts/lib/function.js'
import { residualToLora, ModuleError, type LoraAdapter } from '@lr/adapters'
import { readLoraAdapter, linearModules } from '@lr/adapters/node'
import { loraModules, mapTensor, type AdapterEntry } from '@lr/pipeline'
import { readCheckpointInfo, writeLoraAdapter } from '@lr/pipeline/node'
import { emit, positiveInt, unwrap } from '../lora.js'

interface ConvertFlags { readonly to: 'peft' | 'kohya'; readonly model?: string; readonly initial?: string; readonly rank?: number; readonly dtype: 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean }

/** `lr lora convert`: a pipeline loraModules(adapter) [→ mapTensor(residualToLora)] → writeLoraAdapter. */
export const registerConvert = (lora: Command): void => {
  lora.command('convert')
    .description('convert an adapter between PEFT and kohya formats; with --initial, turn a trained PiSSA/OLoRA/CorDA adapter into a plain LoRA for the original base (ΔW = B′A′ − B₀A₀)')
    .argument('<in>', 'adapter: PEFT directory or kohya .safetensors')
    .addOption(new Option('--to <fmt>', 'output format').choices(['peft', 'kohya']).makeOptionMandatory())
    .option('--model <path>', 'base model, to map kohya names to module paths exactly')
    .option('--initial <path>', 'the adapter as initialized (PiSSA/OLoRA/CorDA/MiLoRA init) for residual → plain LoRA conversion')
    .option('--rank <r>', 'with --initial: truncate the converted LoRA to this rank (default: exact, rank r′ + r₀)', positiveInt('--rank'))
    .addOption(new Option('--dtype <dtype>', 'storage dtype of A and B').choices(['F32', 'BF16', 'F16']).default('F32'))
    .requiredOption('--out <path>', 'output adapter')
    .option('--json', 'print one JSON summary')
    .addHelpText('after', '\nExamples:\n  $ lr lora convert ./peft-adapter --to kohya --out ./lora.safetensors\n  $ lr lora convert ./lora.safetensors --to peft --model ./base --out ./peft-adapter\n  $ lr lora convert ./pissa-trained --initial ./pissa-init/adapter --to peft --out ./plain-lora')
    .action(async (input: string, o: ConvertFlags) => {
      let modules: string[] | undefined
      if (o.model !== undefined) {
        const ck = await unwrap(readCheckpointInfo(o.model))
        modules = linearModules(ck.tensors, 'all-linear').map((m) => m.module).concat(linearModules(ck.tensors, '.*').map((m) => m.module))
      }
      const { adapter, format } = await unwrap(readLoraAdapter(input, modules !== undefined ? { modules } : {}))
      let initial: LoraAdapter<Float32Array> | undefined
      if (o.initial !== undefined) initial = (await unwrap(readLoraAdapter(o.initial, modules !== undefined ? { modules } : {}))).adapter
      const toPlain = (e: AdapterEntry): AdapterEntry => {
        if (e.type === 'saved' || initial === undefined) return e
        const m = adapter.modules.get(e.name)!, init = initial.modules.get(e.name)
        if (init === undefined) throw new ModuleError('missing-tensor', m.module, `${o.initial} has no initial adapter for this module; pass the adapter saved right after init`)
        return { type: 'lora', name: e.name, lora: residualToLora(m, init, o.rank !== undefined ? { rank: o.rank } : {}) }
      }
      const written = await unwrap(pipe(loraModules(adapter), mapTensor(toPlain, { stage: initial ? 'residual to LoRA' : 'convert' }), writeLoraAdapter(o.out, {
        format: o.to, dtype: o.dtype, label: 'convert',
        ...(initial === undefined ? { keepConfig: adapter.config } : { config: { task_type: adapter.config.task_type, base_model_name_or_path: adapter.config.base_model_name_or_path } }),
      })))
      emit(o.json === true, { in: input, from: format, to: o.to, out: written.out, modules: written.adapter.modules.size }, () => [`converted ${written.adapter.modules.size} modules from ${format} to ${o.to}: ${written.out}`])
    })
}
