import t from 'tap'
import { parseByteSize, UsageError } from '../src/runtime.js'

t.test('parseByteSize reads decimal and binary units', async (t) => {
  t.equal(parseByteSize('2GB'), 2e9)
  t.equal(parseByteSize('1GiB'), 2 ** 30)
  t.equal(parseByteSize('500mb'), 5e8)
  t.equal(parseByteSize('1024'), 1024)
  t.throws(() => parseByteSize('lots'), { _tag: 'UsageError' })
  t.ok(new UsageError('x') instanceof Error)
})
