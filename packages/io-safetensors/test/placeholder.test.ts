import t from 'tap'
import * as io from '../src/index.js'
t.test('module loads', async (t) => { t.type(io, 'object') })
