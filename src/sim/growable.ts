/** Typed arrays indexed by object that grow as new objects appear (capacity doubles). */
type TypedArray = Float64Array | Int32Array | Uint8Array | Uint32Array;
type Ctor<T extends TypedArray> = { new (length: number): T };

export class Growable<T extends TypedArray> {
  array: T;
  constructor(private readonly ctor: Ctor<T>, capacity = 1024, private readonly fill = 0) {
    this.array = new ctor(capacity);
    if (fill !== 0) this.array.fill(fill);
  }

  /** Makes index `i` addressable; call before writing a new object's slot. */
  ensure(i: number): T {
    if (i < this.array.length) return this.array;
    let capacity = this.array.length * 2;
    while (capacity <= i) capacity *= 2;
    const next = new this.ctor(capacity);
    next.set(this.array as never);
    if (this.fill !== 0) next.fill(this.fill, this.array.length);
    this.array = next;
    return next;
  }
}
