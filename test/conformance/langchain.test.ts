/**
 * LangChain's `ChatOpenAI` (@langchain/openai) against the gateway: invoke, stream, and
 * `withStructuredOutput` in each of its methods.
 */
import { ChatOpenAI } from '@langchain/openai'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { checkedFetch, expectLabelledOnce, gatewayV1, keyOf } from './clients'
import type { TenantName } from './global-setup'

const fetch = checkedFetch()
const chat = (tenant: TenantName, model: string) =>
  new ChatOpenAI({ model, apiKey: keyOf(tenant), maxRetries: 0, configuration: { baseURL: gatewayV1(), fetch } })
const person = z.object({ name: z.string(), age: z.number() })

describe('LangChain ChatOpenAI', () => {
  it('invoke: the message is labelled once', async () => {
    const message = await chat('dashscope', 'qwen-plus').invoke('你是谁？')
    expectLabelledOnce(message.text)
  })

  it('stream (with stream usage): the chunks add up to one label, usage metadata arrives', async () => {
    let text = ''
    let totalTokens: number | undefined
    for await (const chunk of await chat('dashscope', 'qwen-plus').stream('你是谁？')) {
      text += chunk.text
      totalTokens = chunk.usage_metadata?.total_tokens ?? totalTokens
    }
    expectLabelledOnce(text)
    expect(totalTokens).toBe(39)
  })

  for (const method of ['jsonSchema', 'jsonMode', 'functionCalling'] as const) {
    it(`withStructuredOutput (${method}): the object parses and carries no label`, async () => {
      const structured = chat('openai', 'gpt-4o-mini').withStructuredOutput(person, { method, name: 'extract' })
      expect(await structured.invoke('Ada Lovelace, as JSON')).toEqual({ name: 'Ada Lovelace', age: 36 })
    })
  }

  it('withStructuredOutput with includeRaw: the raw message is the untouched JSON', async () => {
    const structured = chat('openai', 'gpt-4o-mini').withStructuredOutput(person, { method: 'jsonSchema', name: 'extract', includeRaw: true })
    const { raw, parsed } = await structured.invoke('Ada Lovelace, as JSON')
    expect(parsed).toEqual({ name: 'Ada Lovelace', age: 36 })
    expect(JSON.parse(raw.text)).toEqual(parsed)
  })
})
