// The OpenAPI document checked by an independent validator (the OpenAPI 3.1 JSON schema).
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { openApiDocument } from '../../src/routes/openapi'

describe('openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(openApiDocument()))
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    // The validator is live: the same document without its info block fails.
    const { info: _, ...broken } = structuredClone(openApiDocument())
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })
})
