/** npm `seek-bzip` ships no types; this is the one function we use. */
declare module 'seek-bzip' {
  const Bunzip: {
    /** Decodes a whole bzip2 stream into a Buffer; throws on corrupt data. */
    decode(input: Buffer): Buffer;
  };
  export default Bunzip;
}
