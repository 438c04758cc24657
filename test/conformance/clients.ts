/**
 * What every conformance test file shares: where the gateway is, the recorder whose
 * invariant runs after every test, and the replay upstream's request log.
 */
import { afterEach, expect, inject } from 'vitest'
import type { TenantName } from './global-setup'
import type { RecordedRequest } from './replay-upstream'
import { countLabels, recorder } from './invariant'

export const conformance = () => inject('conformance')
export const gatewayV1 = () => `${conformance().gateway}/v1`
export const keyOf = (tenant: TenantName) => conformance().keys[tenant]

/**
 * The recorder for one test file: clients get its fetch, and after every test whatever
 * the clients received must satisfy the invariant.
 */
export function checkedFetch(): typeof fetch {
  const seen = recorder()
  afterEach(() => {
    expect(seen.takeViolations()).toEqual([])
  })
  return seen.fetch
}

/** The label once, at the end (the tenant's default position), and nowhere else. */
export function expectLabelledOnce(text: string | null | undefined): void {
  expect(typeof text).toBe('string')
  expect(countLabels(text!)).toBe(1)
}

export async function upstreamRequests(path: string): Promise<RecordedRequest[]> {
  const all = (await (await fetch(`${conformance().upstream}/__requests`)).json()) as RecordedRequest[]
  return all.filter((r) => new URL(r.url, 'http://x').pathname === path)
}
