import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { mockUpstream } from './test/mock-upstream/server.ts'

const migrations = await readD1Migrations('./migrations')

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                GATEWAY_ENV: 'production',
                ADMIN_TOKEN: 'test-admin-token-0123456789',
                MASTER_KEY: 'test-master-key-0123456789abcdef',
              },
              // Every fetch the gateway makes to a model API lands in the Node-side mock.
              outboundService: { node: mockUpstream },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
        },
      },
    ],
  },
})
