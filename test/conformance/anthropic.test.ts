/**
 * The official `@anthropic-ai/sdk` against the gateway: Messages with thinking, text and
 * tool use, a JSON prefill, and the side routes an application calls with the same client.
 */
import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it } from 'vitest'
import { UPSTREAM_KEY } from './cases/index'
import { checkedFetch, conformance, expectLabelledOnce, keyOf, upstreamRequests } from './clients'
import { countLabels } from './invariant'

const fetch = checkedFetch()
const client = () => new Anthropic({ baseURL: conformance().gateway, apiKey: keyOf('openai'), fetch, maxRetries: 0 })
const ask = [{ role: 'user' as const, content: 'What is the weather in San Francisco?' }]
const textOf = (message: Anthropic.Message) =>
  message.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

describe('Anthropic Messages', () => {
  it('stream with thinking, text and tool use: the text is labelled once, thinking and tool input untouched', async () => {
    const stream = client().messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
      messages: ask,
    })
    const message = await stream.finalMessage()
    expectLabelledOnce(textOf(message))
    const thinking = message.content.find((b) => b.type === 'thinking')
    expect(thinking?.type === 'thinking' && thinking.thinking).toBe('The user wants the weather in San Francisco. I should call get_weather.')
    const tool = message.content.find((b) => b.type === 'tool_use')
    expect(tool?.type === 'tool_use' && tool.input).toEqual({ location: 'San Francisco, CA' })
    expect(message.stop_reason).toBe('tool_use')
  })

  it('JSON with thinking: the text is labelled once, the thinking block untouched', async () => {
    const message = await client().messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Are there infinitely many primes p with p mod 4 = 3?' }],
    })
    expectLabelledOnce(textOf(message))
    const thinking = message.content.find((b) => b.type === 'thinking')
    expect(thinking?.type === 'thinking' && countLabels(thinking.thinking)).toBe(0)
  })

  it('an assistant turn prefilled with "{" is structured output: the JSON stays intact', async () => {
    const { data, response } = await client()
      .messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 256,
        messages: [
          { role: 'user', content: 'Ada Lovelace as JSON with name and age' },
          { role: 'assistant', content: '{' },
        ],
      })
      .withResponse()
    expect(JSON.parse(`{${textOf(data)}`)).toEqual({ name: 'Ada Lovelace', age: 36 })
    expect(response.headers.get('x-aigc-explicit')).toBe('omitted')
    expect(response.headers.get('x-aigc-label')).not.toBeNull()
  })
})

describe('Anthropic side routes go to the Anthropic upstream with x-api-key', () => {
  it('messages.countTokens', async () => {
    const count = await client().messages.countTokens({ model: 'claude-sonnet-4-6', messages: ask })
    expect(count.input_tokens).toBe(2095)
    const seen = await upstreamRequests('/anthropic/v1/messages/count_tokens')
    expect(seen.at(-1)?.apiKey).toBe(UPSTREAM_KEY)
  })

  it('models.list', async () => {
    const page = await client().models.list()
    expect(page.data.map((m) => m.id)).toEqual(['claude-sonnet-4-6'])
    const seen = await upstreamRequests('/anthropic/v1/models')
    expect(seen.at(-1)?.apiKey).toBe(UPSTREAM_KEY)
  })
})
