import { describe, expect, it } from 'vitest'
import { createXmpPacket, readXmpLabels, setXmpLabel, TC260_NS } from '../../src/label/xmp'

const LABEL = '{"Label":"1","ContentProducer":"P","ProduceID":"a&b<c>"}'
const wrap = (description: string) =>
  `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${description}</rdf:RDF></x:xmpmeta>\n<!-- padding -->   \n<?xpacket end="w"?>`

describe('XMP packet', () => {
  it('writes a new packet whose value reads back exactly', () => {
    const packet = createXmpPacket(LABEL)
    expect(packet).toContain(`xmlns:TC260="${TC260_NS}"`)
    expect(packet).toContain('&amp;b&lt;c&gt;')
    expect(readXmpLabels(packet)).toEqual([{ value: LABEL, form: 'element' }])
  })

  it('reads the attribute form and any prefix bound to the TC260 namespace', () => {
    const packet = wrap(`<rdf:Description rdf:about="" xmlns:aigc='${TC260_NS}' aigc:AIGC='{&quot;Label&quot;:&quot;2&quot;}'/>`)
    expect(readXmpLabels(packet)).toEqual([{ value: '{"Label":"2"}', form: 'attribute' }])
    const updated = setXmpLabel(packet, LABEL)
    expect(readXmpLabels(updated)).toEqual([{ value: LABEL, form: 'attribute' }])
  })

  it('adds the property to an existing packet and keeps everything else byte for byte', () => {
    const packet = wrap('<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Ann</dc:creator></rdf:Description>')
    const updated = setXmpLabel(packet, LABEL)
    expect(readXmpLabels(updated)).toEqual([{ value: LABEL, form: 'element' }])
    expect(updated.replace(/ xmlns:TC260="[^"]*"/, '').replace(/<TC260:AIGC>.*<\/TC260:AIGC>/, '')).toBe(packet)
  })

  it('opens a self-closing description to hold the property', () => {
    const packet = wrap('<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="x"/>')
    const updated = setXmpLabel(packet, LABEL)
    expect(updated).toContain('xmp:CreatorTool="x"')
    expect(readXmpLabels(updated)).toHaveLength(1)
  })

  it('leaves exactly one label when a packet had several', () => {
    const two = wrap(`<rdf:Description rdf:about="" xmlns:TC260="${TC260_NS}"><TC260:AIGC>a</TC260:AIGC><TC260:AIGC>b</TC260:AIGC></rdf:Description>`)
    expect(readXmpLabels(two)).toHaveLength(2)
    expect(readXmpLabels(setXmpLabel(two, LABEL))).toEqual([{ value: LABEL, form: 'element' }])
  })

  it('refuses a packet with nowhere to put the property', () => {
    expect(() => setXmpLabel('<x:xmpmeta/>', LABEL)).toThrow(/rdf:Description/)
  })
})
