/**
 * A tiny strict XML 1.0 parser for tests: elements, attributes, text, the five predefined
 * entities and character references, comments and the XML declaration. It throws on anything
 * not well-formed: mismatched or unclosed tags, duplicate attributes, unquoted values, a raw
 * `<` or `&` where it may not be, several root elements, forbidden characters.
 */
export interface XmlElement {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly children: readonly XmlElement[]
  readonly text: string
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

export function parseXml(source: string): XmlElement {
  if (FORBIDDEN.test(source)) throw new Error('forbidden character in XML')
  let i = 0
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(source.slice(i, i + 40))}`)
  }
  const skipSpace = (): void => {
    while (i < source.length && /\s/.test(source[i]!)) i += 1
  }
  const decode = (raw: string): string => {
    if (raw.includes('<')) fail('raw < in text or attribute')
    return raw.replace(/&([^;]*);?/g, (match, entity: string) => {
      if (!match.endsWith(';')) fail(`bare & in ${JSON.stringify(raw)}`)
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
      if (entity in named) return named[entity]!
      const dec = /^#(\d+)$/.exec(entity)
      if (dec !== null) return String.fromCodePoint(Number(dec[1]))
      const hex = /^#x([0-9a-fA-F]+)$/.exec(entity)
      if (hex !== null) return String.fromCodePoint(parseInt(hex[1]!, 16))
      return fail(`unknown entity &${entity};`)
    })
  }
  const skipMisc = (): void => {
    for (;;) {
      skipSpace()
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i)
        if (end < 0) fail('unclosed comment')
        i = end + 3
      } else return
    }
  }
  const element = (): XmlElement => {
    if (source[i] !== '<') fail('expected <')
    i += 1
    const name = NAME.exec(source.slice(i))?.[0] ?? fail('expected a tag name')
    i += name.length
    const attributes: Record<string, string> = {}
    for (;;) {
      const before = i
      skipSpace()
      if (source.startsWith('/>', i)) {
        i += 2
        return { name, attributes, children: [], text: '' }
      }
      if (source[i] === '>') {
        i += 1
        break
      }
      if (i === before) fail('expected whitespace before an attribute')
      const attribute = NAME.exec(source.slice(i))?.[0] ?? fail('expected an attribute name')
      i += attribute.length
      skipSpace()
      if (source[i] !== '=') fail('expected =')
      i += 1
      skipSpace()
      const quote = source[i]
      if (quote !== '"' && quote !== "'") fail('attribute value must be quoted')
      const end = source.indexOf(quote!, i + 1)
      if (end < 0) fail('unclosed attribute value')
      if (attribute in attributes) fail(`duplicate attribute ${attribute}`)
      attributes[attribute] = decode(source.slice(i + 1, end))
      i = end + 1
    }
    const children: XmlElement[] = []
    let text = ''
    for (;;) {
      if (i >= source.length) fail(`unclosed <${name}>`)
      if (source.startsWith('</', i)) {
        i += 2
        const closing = NAME.exec(source.slice(i))?.[0]
        if (closing !== name) fail(`</${closing ?? ''}> closes <${name}>`)
        i += name.length
        skipSpace()
        if (source[i] !== '>') fail('expected >')
        i += 1
        return { name, attributes, children, text }
      }
      if (source.startsWith('<!--', i)) {
        skipMisc()
        continue
      }
      if (source[i] === '<') {
        children.push(element())
        continue
      }
      const next = source.indexOf('<', i)
      const end = next < 0 ? source.length : next
      const raw = source.slice(i, end)
      if (raw.includes(']]>')) fail(']]> in text')
      text += decode(raw)
      i = end
    }
  }
  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>')
    if (end < 0) fail('unclosed XML declaration')
    i = end + 2
  }
  skipMisc()
  const root = element()
  skipMisc()
  if (i !== source.length) fail('content after the root element')
  return root
}
