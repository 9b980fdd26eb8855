import { InvalidArgument } from '@lr/svd'

/** The largest number of residual stages accepted. */
export const MAX_STAGES = 8

/** Throws InvalidArgument unless `stages` is an integer in 1…8. */
export const assertStages = (op: string, stages: number, name: string): void => {
  if (!Number.isInteger(stages) || stages < 1 || stages > MAX_STAGES) {
    throw new InvalidArgument(op, 'stages', `tensor "${name}": stages = ${stages}; use an integer in 1…${MAX_STAGES} (2 is the released Fairy2i-W2)`)
  }
}

