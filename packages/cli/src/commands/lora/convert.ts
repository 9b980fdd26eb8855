import { Option, type Command } from 'commander'
import { residualToLora, loraAdapterFromModules, type LoraPair } from '@lr/adapters'
import { readLoraAdapter, linearModules } from '@lr/adapters/node'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { ModuleError } from '@lr/adapters'
import { emit, positiveInt, unwrap } from '../lora.js'
import { writeAdapter } from './io.js'

interface ConvertFlags { readonly to: 'peft' | 'kohya'; readonly model?: string; readonly initial?: string; readonly rank?: number; readonly dtype: 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean }

/** `lr lora convert` */
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
        const ck = await unwrap(openCheckpoint(o.model))
        modules = linearModules(ck.tensors, 'all-linear').map((m) => m.module).concat(linearModules(ck.tensors, '.*').map((m) => m.module))
        await ck.close()
      }
      const { adapter, format } = await unwrap(readLoraAdapter(input, modules !== undefined ? { modules } : {}))
      let out = adapter
      if (o.initial !== undefined) {
        const initial = (await unwrap(readLoraAdapter(o.initial, modules !== undefined ? { modules } : {}))).adapter
        const pairs = new Map<string, LoraPair>()
        for (const m of adapter.modules.values()) {
          const init = initial.modules.get(m.module)
          if (init === undefined) throw new ModuleError('missing-tensor', m.module, `${o.initial} has no initial adapter for this module; pass the adapter saved right after init`)
          pairs.set(m.module, residualToLora(m, init, o.rank !== undefined ? { rank: o.rank } : {}))
        }
        out = loraAdapterFromModules(pairs, { config: { task_type: adapter.config.task_type, base_model_name_or_path: adapter.config.base_model_name_or_path } }) as typeof adapter
      }
      const written = await writeAdapter(o.out, out, o.to, o.dtype)
      emit(o.json === true, { in: input, from: format, to: o.to, out: written, modules: out.modules.size }, () => [`converted ${out.modules.size} modules from ${format} to ${o.to}: ${written}`])
    })
}
