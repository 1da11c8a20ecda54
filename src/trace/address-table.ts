const TWO_32 = 4294967296;

/**
 * Live objects by address: an open-addressing hash table (linear probing, backward-shift deletion)
 * over typed arrays. A JavaScript Map keyed by pointer-sized numbers (heap numbers, not small
 * integers) took ~8 s for the 3.5 * 10^5 records of a Python trace; this takes tens of ms.
 * Address 0 is never stored (it marks an empty slot); values are non-negative int32.
 */
export class AddressTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Float64Array(n);
    this.values = new Int32Array(n);
    this.mask = n - 1;
  }

  private home(addr: number): number {
    const hi = Math.floor(addr / TWO_32);
    let h = Math.imul((addr - hi * TWO_32) ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private find(addr: number): number {
    for (let i = this.home(addr); ; i = (i + 1) & this.mask) {
      const k = this.keys[i] as number;
      if (k === addr) return i;
      if (k === 0) return -1 - i;
    }
  }

  /** The value stored for `addr`, or -1. */
  get(addr: number): number {
    const i = this.find(addr);
    return i >= 0 ? (this.values[i] as number) : -1;
  }

  set(addr: number, value: number): void {
    const i = this.find(addr);
    if (i >= 0) {
      this.values[i] = value;
      return;
    }
    const slot = -1 - i;
    this.keys[slot] = addr;
    this.values[slot] = value;
    if (++this.size * 2 > this.keys.length) this.grow();
  }

  delete(addr: number): boolean {
    let i = this.find(addr);
    if (i < 0) return false;
    for (let j = (i + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const k = this.keys[j] as number;
      if (k === 0) break;
      const h = this.home(k);
      // Move k back into the hole unless its home lies cyclically in (i, j].
      const stays = i <= j ? h > i && h <= j : h > i || h <= j;
      if (!stays) {
        this.keys[i] = k;
        this.values[i] = this.values[j] as number;
        i = j;
      }
    }
    this.keys[i] = 0;
    this.size--;
    return true;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    keys.forEach((k, i) => {
      if (k !== 0) this.set(k, values[i] as number);
    });
  }
}
