import { describe, expect, it } from 'vitest'
import { createXmpPacket, LEGACY_NS, readXmpLabels, setXmpLabel, TC260_NS, XmpError } from '../../src/label/xmp'

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

  it('knows the property by its namespace URI, whatever the prefix, and never by the prefix alone', () => {
    const foreign = wrap(`<rdf:Description rdf:about="" xmlns:TC260="urn:not-tc260"><TC260:AIGC>{"Label":"3"}</TC260:AIGC></rdf:Description>`)
    expect(readXmpLabels(foreign)).toEqual([{ value: '{"Label":"3"}', form: 'element', sign: 'foreign-namespace' }])
    const updated = setXmpLabel(foreign, LABEL)
    // Not ours, but a reader going by prefix would take it for a second label: it goes.
    expect(readXmpLabels(updated)).toEqual([{ value: LABEL, form: 'element' }])
    expect(updated).not.toContain('{"Label":"3"}')
    expect(updated.match(/<rdf:Description[^>]*>/)![0].match(/xmlns:TC260=/g)).toHaveLength(1)

    // A prefix rebound on an inner element is resolved in scope.
    const rebound = wrap(`<rdf:Description rdf:about="" xmlns:a="${TC260_NS}"><b:AIGC xmlns:b="${TC260_NS}">x</b:AIGC><a:X xmlns:a="urn:o"><a:AIGC>y</a:AIGC></a:X></rdf:Description>`)
    expect(readXmpLabels(rebound)).toEqual([
      { value: 'x', form: 'element' },
      { value: 'y', form: 'element', sign: 'foreign-namespace' },
    ])
    expect(readXmpLabels(setXmpLabel(rebound, LABEL))).toEqual([{ value: LABEL, form: 'element' }])
  })

  it('drops a DOCTYPE and writes references to its entities as text, expanding nothing', () => {
    const packet = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "a>b]"><!ENTITY f SYSTEM "file:///etc/passwd">]>${wrap(
      '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="&f;"><dc:title>&e; &amp; &#x41;</dc:title></rdf:Description>',
    )}`
    const updated = setXmpLabel(packet, LABEL)
    expect(updated).not.toMatch(/DOCTYPE|ENTITY|passwd/)
    expect(updated).toContain('<dc:title>&amp;e; &amp; &#x41;</dc:title>')
    expect(updated).toContain('dc:format="&amp;f;"')
    expect(readXmpLabels(updated)).toEqual([{ value: LABEL, form: 'element' }])
  })

  it('keeps a character reference outside Unicode as text instead of throwing', () => {
    const packet = wrap(`<rdf:Description rdf:about="" xmlns:TC260="${TC260_NS}"><TC260:AIGC>&#x110000;&#xD800;&#65;</TC260:AIGC></rdf:Description>`)
    expect(readXmpLabels(packet)).toEqual([{ value: '&#x110000;&#xD800;A', form: 'element' }])
  })

  it('reads labels as written in the wild and replaces them all with one TC260:AIGC', () => {
    const fields = '<f:Label>1</f:Label><f:ContentProducer>P</f:ContentProducer><f:PropatorID>J</f:PropatorID>'
    const packet = wrap(
      `<rdf:Description rdf:about="" xmlns:v="urn:v" xmlns:f="http://example.com/AIGC/" xmlns:old="${LEGACY_NS}" xmlns:I="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"` +
        ` v:XmpKvBase64="${btoa('AIGC={"AIGC":{"Label":"2"}}')}"><I:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic</I:DigitalSourceType>` +
        `${fields}<old:AIGC>{"Label":"3"}</old:AIGC></rdf:Description>`,
    )
    expect(readXmpLabels(packet)).toEqual([
      { value: '{"AIGC":{"Label":"2"}}', form: 'attribute', variant: 'xmp-kv-base64' },
      { value: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic', form: 'element', sign: 'digital-source-type' },
      { value: '{"Label":"3"}', form: 'element', variant: 'legacy-namespace' },
      { value: '{"Label":"1","ContentProducer":"P","PropatorID":"J"}', form: 'element', variant: 'xmp-fields' },
    ])
    const updated = setXmpLabel(packet, LABEL)
    expect(readXmpLabels(updated)).toEqual([
      { value: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic', form: 'element', sign: 'digital-source-type' },
      { value: LABEL, form: 'element' },
    ])
    expect(updated).not.toMatch(/XmpKvBase64|<f:|<old:AIGC/)
  })

  it('refuses a malformed packet in one pass, however many unclosed tags it holds', () => {
    const packet = `<x:xmpmeta xmlns:x="adobe:ns:meta/">${'<rdf:Description '.repeat(100_000)}`
    expect(() => readXmpLabels(packet)).toThrow(XmpError)
    expect(() => setXmpLabel(packet, LABEL)).toThrow(/not well-formed: bad attribute at offset 53/)
    expect(() => readXmpLabels(wrap('<rdf:Description rdf:about=""><a:b></a:c></rdf:Description>'))).toThrow(/does not match/)
  })
})
