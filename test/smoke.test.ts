import { describe, expect, it } from 'vitest'
import { createTenant, openai } from './helpers'

describe('smoke', () => {
  it('labels a chat completion', async () => {
    const t = await createTenant()
    const res = await openai(t.key).chat.completions.create({ model: 'plain', messages: [{ role: 'user', content: 'hi' }] })
    expect(res.choices[0]!.message.content).toContain('本内容由人工智能生成')
  })
})
