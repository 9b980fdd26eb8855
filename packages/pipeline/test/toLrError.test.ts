import t from 'tap'
import { OddDimension } from '@lr/quant-complex'
import { SafetensorsError } from '@lr/io-safetensors'
import { toLrError, type LrError } from '../src/lrError.js'
import { StageFailed } from '../src/errors.js'

/** Exhaustive over LrError's tags (the `never` default): the union covers every package's errors. */
const describe = (e: LrError): string => {
  switch (e._tag) {
    case 'ShapeMismatch': case 'NotFinite': case 'NoConvergence': case 'InvalidArgument': case 'NotPositiveDefinite': return 'svd'
    case 'SafetensorsError': return 'io'
    case 'NoAdapter': case 'DeviceFailed': case 'LimitExceeded': case 'FeatureMissing': case 'GpuOperationFailed': return 'gpu'
    case 'AdapterConfigError': case 'ModuleError': case 'AdapterFileError': return 'adapters'
    case 'MissingStatistics': return 'quant'
    case 'OddDimension': case 'Fairy2iFormatError': return 'quant-complex'
    case 'UnsupportedModel': case 'ModelTensorError': case 'InvalidEvalData': case 'StageFailed': case 'PipelineIoError': return 'pipeline'
    default: { const never: never = e; return never }
  }
}

t.test('toLrError passes tagged errors of every package through, maps fs errors, rethrows bugs', async (t) => {
  const odd = new OddDimension('fairy2iQuantize', 'w', [3, 4])
  t.equal(toLrError(odd), odd)
  t.equal(describe(toLrError(odd)), 'quant-complex')
  const st = new SafetensorsError('not-found', 'x.safetensors', undefined, 'missing')
  t.equal(describe(toLrError(st)), 'io')
  t.equal(describe(toLrError(new StageFailed('s', 'w', 'r'))), 'pipeline')
  const fsErr = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x/y', syscall: 'open' })
  t.match(toLrError(fsErr), { _tag: 'PipelineIoError', path: '/x/y', op: 'open' })
  t.throws(() => toLrError(new TypeError('a bug')), TypeError)
})
