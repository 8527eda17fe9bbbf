import { Zstd } from "@hpcc-js/wasm-zstd";

// A streaming zstd encoder over @hpcc-js/wasm-zstd that copies its output out of the wasm heap
// with one memcpy (docs/storage-care.md, "Speed"). The package's public `compressChunk` returns
// `new Uint8Array([...heapView])`: a JS array of one element per output byte, about 100 ns a
// byte, which cost more than the compression itself. The embind objects under it take plain
// heap pointers, so this adapter keeps one input and one output buffer in the wasm heap for the
// whole run. If a future version of the package no longer exposes them (checked once, at load),
// it falls back to the public API: slower, same bytes.

/** Plain bytes encoded per call. */
export const ENCODE_CHUNK = 4 << 20;

interface EmbindStream {
  reset(): void;
  setCompressionLevel(level: number): void;
  compressChunk(dst: number, dstCapacity: number, src: number, srcSize: number): number;
  compressEnd(dst: number, dstCapacity: number): number;
}

interface EmbindStatics {
  decompress(dst: number, dstCapacity: number, src: number, srcSize: number): number;
  compressBound(size: number): number;
  CStreamOutSize(): number;
  isError(code: number): boolean;
  getErrorName(code: number): string;
}

interface EmscriptenHeap {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
}

interface ZstdInternals {
  _mainModule?: { _module?: EmscriptenHeap };
  _zstd?: EmbindStream;
  _zstdClass?: EmbindStatics;
}

/** One zstd frame at a time: `begin`, `chunk`… , `end`; each returns a fresh copy of its output. */
export interface ZstdStreamEncoder {
  begin(level: number): void;
  chunk(data: Uint8Array): Uint8Array;
  end(): Uint8Array;
  /**
   * Decodes one whole frame of at most `capacity` bytes in one call (libzstd's `ZSTD_decompress`,
   * in the wasm heap) and hands the decoded bytes to `use` (a view valid only during the call).
   * Absent in the public-API fallback.
   * @throws Error when the frame is invalid or decodes to more than `capacity` bytes.
   */
  decodeFrame?(frame: Uint8Array, capacity: number, use: (decoded: Uint8Array) => void): void;
}

let loaded: Promise<ZstdStreamEncoder> | undefined;

/** The process's encoder (the wasm stream state is shared: use one frame at a time, synchronously). */
export function loadZstdEncoder(): Promise<ZstdStreamEncoder> {
  return (loaded ??= Zstd.load().then((zstd) => directEncoder(zstd) ?? publicEncoder(zstd)));
}

function directEncoder(zstd: Zstd): ZstdStreamEncoder | undefined {
  const internals = zstd as unknown as ZstdInternals;
  const heap = internals._mainModule?._module;
  const stream = internals._zstd;
  const statics = internals._zstdClass;
  if (!heap || typeof heap._malloc !== "function" || !stream || typeof stream.compressChunk !== "function" || !statics || typeof statics.compressBound !== "function") {
    return undefined;
  }
  const outCapacity = statics.compressBound(ENCODE_CHUNK) + statics.CStreamOutSize();
  const input = heap._malloc(ENCODE_CHUNK);
  const output = heap._malloc(outCapacity);
  const check = (n: number, what: string): number => {
    if (statics.isError(n)) throw new Error(`zstd ${what} failed: ${statics.getErrorName(n)}`);
    return n;
  };
  return {
    begin(level) {
      stream.reset();
      stream.setCompressionLevel(level);
    },
    chunk(data) {
      const parts: Uint8Array[] = [];
      for (let off = 0; off < data.length; off += ENCODE_CHUNK) {
        const piece = data.subarray(off, off + ENCODE_CHUNK);
        heap.HEAPU8.set(piece, input); // HEAPU8 is re-read: the heap may have grown
        const n = check(stream.compressChunk(output, outCapacity, input, piece.length), "compressChunk");
        parts.push(heap.HEAPU8.slice(output, output + n));
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
    end() {
      const n = check(stream.compressEnd(output, outCapacity), "compressEnd");
      return heap.HEAPU8.slice(output, output + n);
    },
    decodeFrame(frame, capacity, use) {
      const src = heap._malloc(Math.max(1, frame.length));
      const dst = heap._malloc(Math.max(1, capacity));
      try {
        heap.HEAPU8.set(frame, src);
        const n = check(statics.decompress(dst, capacity, src, frame.length), "decompress");
        use(heap.HEAPU8.subarray(dst, dst + n));
      } finally {
        heap._free(dst);
        heap._free(src);
      }
    },
  };
}

function publicEncoder(zstd: Zstd): ZstdStreamEncoder {
  return {
    begin(level) {
      zstd.reset();
      zstd.setCompressionLevel(level);
    },
    chunk: (data) => zstd.compressChunk(data),
    end: () => zstd.compressEnd(),
  };
}
