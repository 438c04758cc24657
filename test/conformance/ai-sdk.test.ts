/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/anthropic`) against the
 * gateway. Its providers validate every body and event with their own schemas, so a
 * result here is a result the SDK accepted.
 */
import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { checkedFetch, expectLabelledOnce, gatewayV1, keyOf } from './clients'
import { countLabels, TEXT_LABEL } from './invariant'

const fetch = checkedFetch()
const openai = createOpenAI({ baseURL: gatewayV1(), apiKey: keyOf('openai'), fetch })
const dashscope = createOpenAI({ baseURL: gatewayV1(), apiKey: keyOf('dashscope'), fetch })
const anthropic = createAnthropic({ baseURL: gatewayV1(), apiKey: keyOf('openai'), fetch })
const weather = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ location: z.string() }),
  execute: async () => ({ temperature: 22, sky: 'sunny' }),
})

describe('AI SDK with @ai-sdk/openai', () => {
  it('generateText over the Responses API: labelled once', async () => {
    const result = await generateText({ model: openai('gpt-4.1'), prompt: 'Hi', maxRetries: 0 })
    expectLabelledOnce(result.text)
  })

  it('streamText over Chat Completions: the streamed text is labelled once', async () => {
    const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Hello!', maxRetries: 0 })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expectLabelledOnce(text)
    expect(await result.finishReason).toBe('stop')
  })

  it('a multi-step tool loop: each step labelled once, a label never glued to the next text', async () => {
    const result = streamText({
      model: openai.chat('gpt-4.1-mini'),
      prompt: 'What is the weather in Boston?',
      tools: { get_weather: weather },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    })
    let text = ''
    for await (const delta of result.textStream) text += delta
    const steps = await result.steps
    expect(steps).toHaveLength(2)
    expect(steps[0]!.toolCalls[0]!.input).toEqual({ location: 'Boston' })
    for (const step of steps) expectLabelledOnce(step.text)
    expect(countLabels(text)).toBe(2)
    expect(text).not.toMatch(new RegExp(`${TEXT_LABEL}\\S`))
  })

  it('generateObject (json_schema): the object parses and carries no label', async () => {
    const { object } = await generateObject({
      model: openai.chat('gpt-4o-mini'),
      schema: z.object({ name: z.string(), age: z.number() }),
      prompt: 'Ada Lovelace',
      maxRetries: 0,
    })
    expect(object).toEqual({ name: 'Ada Lovelace', age: 36 })
  })

  it('DashScope through the OpenAI provider: labelled once, the usage chunk is read', async () => {
    const result = streamText({ model: dashscope.chat('qwen-plus'), prompt: '你是谁？', maxRetries: 0 })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expectLabelledOnce(text)
    expect((await result.usage).totalTokens).toBe(39)
  })
})

describe('AI SDK with @ai-sdk/anthropic', () => {
  const thinking = { anthropic: { thinking: { type: 'enabled' as const, budgetTokens: 1024 } } }

  it('generateText with thinking: the text is labelled once, the reasoning untouched', async () => {
    const result = await generateText({ model: anthropic('claude-sonnet-4-6'), prompt: 'Primes?', providerOptions: thinking, maxRetries: 0 })
    expectLabelledOnce(result.text)
    expect(result.reasoningText).toBe("To approach this, let's think about what we know about prime numbers...")
  })

  it('streamText with thinking, text and a tool call: labelled once, the tool input intact', async () => {
    const result = streamText({
      model: anthropic('claude-sonnet-4-6'),
      prompt: 'What is the weather in San Francisco?',
      tools: { get_weather: tool({ inputSchema: z.object({ location: z.string() }) }) },
      providerOptions: thinking,
      maxRetries: 0,
    })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expectLabelledOnce(text)
    expect((await result.toolCalls)[0]!.input).toEqual({ location: 'San Francisco, CA' })
    expect(countLabels((await result.reasoningText) ?? '')).toBe(0)
  })
})
