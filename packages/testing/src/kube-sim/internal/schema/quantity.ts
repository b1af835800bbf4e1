/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1e3`) in the canonical form the API server
 * stores: `1000m` reads back as `1`, `1024Ki` as `1Mi`, `0.5` as `500m`.
 */

const decimalSuffixes: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
}
const binarySuffixes: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
}
const decimalNames = new Map(Object.entries(decimalSuffixes).map(([k, v]) => [v, k]))
const binaryNames = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']

/** What the API server answers for a string that is not a quantity. */
export const quantityFormatError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

type Format = 'decimalSI' | 'binarySI' | 'decimalExponent'

/** A parsed quantity: `sign * digits * 10^-scale`, and the format its suffix chose. */
interface Amount {
  digits: bigint
  scale: number
  format: Format
}

function parse(text: string): Amount | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?([a-zA-Z]*[-+]?\d*)$/.exec(text)
  if (m === null) return undefined
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m
  if (whole === '' && fraction === '') return undefined
  let digits = BigInt(`${whole}${fraction}` || '0')
  let scale = fraction.length
  let format: Format = 'decimalSI'
  if (suffix in decimalSuffixes) scale -= decimalSuffixes[suffix] ?? 0
  else if (suffix in binarySuffixes) {
    format = 'binarySI'
    digits *= 1n << BigInt(binarySuffixes[suffix] ?? 0)
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    format = 'decimalExponent'
    scale -= Number(suffix.slice(1))
  } else return undefined
  if (sign === '-') digits = -digits
  return { digits, scale, format }
}

/** Round away from zero to nano precision (a tiny request still gets something). */
function roundToNano(amount: Amount): Amount {
  if (amount.scale <= 9) return amount
  const divisor = 10n ** BigInt(amount.scale - 9)
  const negative = amount.digits < 0n
  const magnitude = negative ? -amount.digits : amount.digits
  const rounded = (magnitude + divisor - 1n) / divisor
  return { ...amount, digits: negative ? -rounded : rounded, scale: 9 }
}

function decimalForm(digits: bigint, scale: number, format: Format): string {
  let mantissa = digits
  let exponent = -scale
  while (mantissa % 10n === 0n) {
    mantissa /= 10n
    exponent++
  }
  const extra = ((exponent % 3) + 3) % 3
  mantissa *= 10n ** BigInt(extra)
  exponent -= extra
  if (format === 'decimalExponent')
    return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`
  const name = decimalNames.get(exponent)
  return name === undefined ? `${mantissa}e${exponent}` : `${mantissa}${name}`
}

/**
 * The canonical form of a quantity, or `undefined` when `text` is not one.
 *
 * @example canonicalQuantity('1000m') // '1'
 */
export function canonicalQuantity(text: string): string | undefined {
  const parsed = parse(text.trim())
  if (parsed === undefined) return undefined
  const { digits, scale, format } = roundToNano(parsed)
  if (digits === 0n) return '0'
  if (format === 'binarySI') {
    const integral = scale <= 0 || digits % 10n ** BigInt(scale) === 0n
    const value = scale <= 0 ? digits * 10n ** BigInt(-scale) : digits / 10n ** BigInt(scale)
    const magnitude = value < 0n ? -value : value
    if (integral && magnitude >= 1024n) {
      let mantissa = value
      let power = 0
      while (power < binaryNames.length - 1 && mantissa % 1024n === 0n) {
        mantissa /= 1024n
        power++
      }
      return `${mantissa}${binaryNames[power] ?? ''}`
    }
    return decimalForm(digits, scale, 'decimalSI')
  }
  return decimalForm(digits, scale, format)
}
