import { describe, expect, it } from 'vitest';
import { CommunityInput, ProductInput } from '../catalog/schemas.ts';
import { fieldAt, rowInput } from './csv-rows.ts';

describe('CSV cells to command input, led by the command schema', () => {
  it('reads numbers, booleans, |-joined lists and dotted nested fields; an empty cell is absent', () => {
    expect(rowInput(ProductInput, ['title', 'priceFen', 'fresh', 'images', 'memberPriceFen', 'flashSale.stock'], ['西红柿', ' 390 ', '是', 'https://a/1.png | https://a/2.png', '', '5'])).toEqual({
      title: '西红柿',
      priceFen: 390,
      fresh: true,
      images: ['https://a/1.png', 'https://a/2.png'],
      flashSale: { stock: 5 },
    });
    expect(rowInput(CommunityInput, ['location.lat', 'location.lng'], ['31.2', '121.4'])).toEqual({ location: { lat: 31.2, lng: 121.4 } });
  });
  it('leaves text that is not a number or a boolean for the schema to refuse', () => {
    const input = rowInput(ProductInput, ['priceFen', 'fresh'], ['abc', 'maybe']);
    expect(input).toEqual({ priceFen: 'abc', fresh: 'maybe' });
    const r = ProductInput.safeParse({ title: 't', category: 'c', supplierId: 's', ...input });
    expect(r.success).toBe(false);
  });
  it('knows the schema\'s fields (a whole object is not a column)', () => {
    expect(fieldAt(ProductInput, 'priceFen')).toBeDefined();
    expect(fieldAt(ProductInput, 'flashSale.priceFen')).toBeDefined();
    expect(fieldAt(ProductInput, 'flashSale')).toBeUndefined();
    expect(fieldAt(ProductInput, 'colour')).toBeUndefined();
    expect(fieldAt(CommunityInput, 'location')).toBeUndefined();
  });
});
