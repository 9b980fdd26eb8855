export { choleskyQr2Gpu } from './choleskyQr2Gpu.js'
