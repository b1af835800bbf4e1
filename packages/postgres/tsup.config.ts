import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'pgbackrest/index': 'src/pgbackrest/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
})
