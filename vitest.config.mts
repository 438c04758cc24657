import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'
import { mockUpstream } from './test/mock-upstream/server.ts'

const migrations = await readD1Migrations('./migrations')

// Small real files made by ImageMagick, cwebp and exiftool, handed to workerd as base64.
const fixtureDir = './test/fixtures/images'
const base64Files = (dir: string) => Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('base64')]))
const FIXTURE_IMAGES = base64Files(fixtureDir)
// Files that once hung, exhausted or crashed the gateway (issue 9), kept as regressions.
const HOSTILE_FIXTURES = base64Files('./test/fixtures/hostile')
// MP4, MOV and M4A files written by ffmpeg.
const VIDEO_FIXTURES = base64Files('./test/fixtures/video')
// MP3, WAV, FLAC, Ogg Vorbis and Opus files written by ffmpeg.
const AUDIO_FIXTURES = base64Files('./test/fixtures/audio')

export default defineConfig({
  test: {
    // The gateway's one-line JSON request log (test/request-log.test.ts reads it), kept out of the test output.
    onConsoleLog: (log) => !log.includes('{"event":"request"'),
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                FIXTURE_IMAGES,
                HOSTILE_FIXTURES,
                VIDEO_FIXTURES,
                AUDIO_FIXTURES,
                GATEWAY_ENV: 'production',
                ADMIN_TOKEN: 'test-admin-token-0123456789',
                MASTER_KEY: 'test-master-key-0123456789abcdef',
              },
              // Low enough that a test can reach it.
              ratelimits: { PUBLIC_DETECT_LIMITER: { simple: { limit: 5, period: 60 } } },
              // Every fetch the gateway makes to a model API lands in the Node-side mock.
              outboundService: { node: mockUpstream },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts'],
          exclude: ['test/interop/**', 'test/conformance/**', 'test/fuzz/**', 'test/e2e/**'],
          setupFiles: ['test/setup.ts'],
        },
      },
      {
        // Independent tools (exiftool, pngcheck, jpeginfo, webpmux, tesseract) read our
        // output: workerd cannot spawn processes, so these run in Node on the pure core.
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        // The console in headless Chromium against the gateway as `npm start` runs it.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Real clients (openai, @anthropic-ai/sdk, the AI SDK, LangChain) against the gateway
        // in workerd and an upstream replaying recorded provider answers.
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/conformance/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The mutation fuzzer over the pure core, in Node: its cases run in a worker thread
        // that a hung decoder can be terminated in.
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
    ],
  },
})
