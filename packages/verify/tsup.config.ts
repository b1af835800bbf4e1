import { defineConfig } from 'tsup'

export default defineConfig({
  // Subpath entries keep their folder: `./prometheus` is dist/metrics/index.*.
  entry: { index: 'src/index.ts', 'metrics/index': 'src/metrics/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
})
