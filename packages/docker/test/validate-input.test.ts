import { describe, expect, test } from 'vitest'
import { checkContainer, checkImage } from '../src/internal/validate-input.js'

describe('container names', () => {
  test.each(['web', 'shop-web_1', 'a.b', 'rk-docker-x_rk_prev_0123456789ab', 'f'.repeat(64)])(
    'accepts %s',
    (name) => expect(checkContainer(name, 'options.container')).toBeUndefined(),
  )
  test.each([
    '',
    'w',
    'x/',
    'a/../b',
    '//evil',
    '../containers/x',
    '/web',
    'web?all=1',
    'we b',
    '-web',
  ])('refuses %j with InvalidInput naming the field', (name) =>
    expect(checkContainer(name, 'options.container')).toMatchObject({
      kind: 'InvalidInput',
      field: 'options.container',
    }),
  )
})

describe('image references', () => {
  test.each([
    'shop:1.4.2',
    'registry.example.com:5000/team/shop:v1',
    'localhost/shop',
    `shop@sha256:${'a'.repeat(64)}`,
    `sha256:${'b'.repeat(64)}`,
    'c'.repeat(12),
    'rk-docker-test-x:plain-v1',
  ])('accepts %s', (image) => expect(checkImage(image, 'options.image')).toBeUndefined())
  test.each([
    '',
    '../../images/x',
    'shop/../../x',
    'a//b',
    '/shop:1',
    'shop:1 ',
    'Shop?x',
    'shop:',
    'shop#1',
  ])('refuses %j', (image) => expect(checkImage(image, 'options.image')?.kind).toBe('InvalidInput'))
})
