// seek-bzip ships no type declarations; this is the one function imgpolicy uses.
declare module 'seek-bzip' {
  const Bunzip: {
    /** Decompresses a whole BZIP2 stream; throws on corrupt input. */
    decode(input: Uint8Array): Buffer;
    /** Into an output object of its own: every decompressed byte goes to `writeByte`, which may throw to stop. */
    decode(input: Uint8Array, output: { writeByte(byte: number): void }): void;
  };
  export default Bunzip;
}
