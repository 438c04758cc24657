// Types of the test worker's bindings and of the main module `exports.default` comes from.
declare namespace Cloudflare {
  interface Env extends Omit<import('../src/config').Env, never> {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
    FIXTURE_IMAGES: Record<string, string>
    HOSTILE_FIXTURES: Record<string, string>
    VIDEO_FIXTURES: Record<string, string>
    AUDIO_FIXTURES: Record<string, string>
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index')
  }
}
