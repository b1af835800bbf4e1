import { defineConfig } from 'tsup'

export default defineConfig({
  // Subpath entries keep their folder: `./prometheus` is dist/metrics/index.*, `./postgres` is
  // dist/postgres/index.*. The optional peers (@rollback-kit/postgres, docker, k8s) stay
  // external, so the root entry never loads them.
  entry: {
    index: 'src/index.ts',
    'postgres/index': 'src/postgres/index.ts',
    'docker/index': 'src/docker/index.ts',
    'k8s/index': 'src/k8s/index.ts',
    'metrics/index': 'src/metrics/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
})
