import { describe, expect, it } from 'vitest'
import { createLabel, labelProblem, LABEL_FIELDS, parseLabel, providerCodeProblem, serializeLabel } from '../../src/label/annex-e'
import { affixesFor, labelText } from '../../src/label/explicit-text'
import { explicitLabelProblem } from '../../src/label/rules'

describe('Annex E record', () => {
  it('accepts TC260 provider codes and names what is wrong with others', () => {
    expect(providerCodeProblem('001191110000MA01ABCD2X00000')).toBeUndefined()
    expect(providerCodeProblem('001191310000MA1FL8XQ3010001')).toBeUndefined()
    expect(providerCodeProblem('0011911100')).toMatch(/27 characters/)
    expect(providerCodeProblem('001191110000ma01abcd2x00000')).toMatch(/0-9 and A-Z/)
    expect(providerCodeProblem('003191110000MA01ABCD2X00000')).toMatch(/subject type/) // subject type 3
    expect(providerCodeProblem('001291110000MA01ABCD2X30000')).toMatch(/service extension/)
  })

  it('writes the guide form with fields in Annex E order and the propagator copied', () => {
    const label = createLabel({ producer: '001191110000MA01ABCD2X00000', produceId: 'abc-123' })
    const json = serializeLabel(label)
    expect(Object.keys(JSON.parse(json))).toEqual([...LABEL_FIELDS])
    expect(JSON.parse(json)).toMatchObject({ Label: '1', ContentPropagator: label.ContentProducer, PropagateID: 'abc-123' })
    expect(json).not.toContain(' ')
    expect(labelProblem(label)).toBeUndefined()
  })

  it('rejects values outside the character set', () => {
    const label = createLabel({ producer: 'A B', produceId: 'x' })
    expect(labelProblem(label)).toMatch(/ContentProducer/)
    expect(labelProblem({ ...createLabel({ producer: 'A', produceId: 'x"y' }) })).toMatch(/ProduceID/)
    expect(labelProblem({ ...createLabel({ producer: 'A', produceId: 'x' }), Label: '4' })).toMatch(/Label/)
  })

  it('reads the wrapped and the unwrapped form, and refuses what is not a label', () => {
    const label = createLabel({ producer: 'P', produceId: 'I' })
    const plain = serializeLabel(label)
    expect(parseLabel(plain)).toEqual({ label, wrapped: false, misspelled: [] })
    expect(parseLabel(`{"AIGC":${plain}}`)).toEqual({ label, wrapped: true, misspelled: [] })
    expect(parseLabel('{"AIGC":{"Label":1,"ContentProducer":"P"}}')?.label.Label).toBe('1')
    expect(parseLabel('{"hello":1}')).toBeUndefined()
    expect(parseLabel('not json')).toBeUndefined()
  })

  it('reads the misspelled keys toolkits write, names them, and prefers the Annex E key', () => {
    const parsed = parseLabel('{"Label":"1","ContentProducer":"P","ProduceID":"I","ReserveCode1":"r","Propagator":"Q","PropatorID":"J"}')
    expect(parsed?.label).toMatchObject({ ReservedCode1: 'r', ContentPropagator: 'Q', PropagateID: 'J' })
    expect(parsed?.misspelled).toEqual(['ReserveCode1', 'Propagator', 'PropatorID'])
    expect(parseLabel('{"Label":"1","PropagateID":"right","PropatorID":"wrong"}')).toMatchObject({ label: { PropagateID: 'right' }, misspelled: [] })
  })

  it('round-trips a SecurityData string as an escaped value', () => {
    const sd = '{"SecurityData":{"Type":"TC260PG"}}'
    const label = { ...createLabel({ producer: 'P', produceId: 'I' }), ReservedCode1: sd }
    expect(serializeLabel(label)).toContain('\\"SecurityData\\"')
    expect(parseLabel(serializeLabel(label))?.label.ReservedCode1).toBe(sd)
  })
})

describe('explicit text label', () => {
  it('requires AI or 人工智能 together with 生成 or 合成', () => {
    expect(explicitLabelProblem('AI生成')).toBeUndefined()
    expect(explicitLabelProblem('由人工智能合成')).toBeUndefined()
    expect(explicitLabelProblem('AI')).toMatch(/生成/)
    expect(explicitLabelProblem('机器生成')).toMatch(/AI/)
  })

  it('places the label at the start, the end or both', () => {
    expect(labelText('正文', affixesFor({ text: 'AI生成', position: 'start' }))).toBe('AI生成\n\n正文')
    expect(labelText('正文', affixesFor({ text: 'AI生成', position: 'end' }))).toBe('正文\n\nAI生成')
    expect(labelText('正文', affixesFor({ text: 'AI生成', position: 'both' }))).toBe('AI生成\n\n正文\n\nAI生成')
  })
})
