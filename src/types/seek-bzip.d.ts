// seek-bzip ships no type declarations; this is the one function imgpolicy uses.
declare module 'seek-bzip' {
  const Bunzip: {
    /** Decompresses a whole BZIP2 stream; throws on corrupt input. */
    decode(input: Uint8Array): Buffer;
  };
  export default Bunzip;
}
