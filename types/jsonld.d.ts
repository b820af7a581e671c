declare module 'jsonld' {
  type Loader = (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  interface Options {
    documentLoader?: Loader;
    safe?: boolean;
    algorithm?: 'URDNA2015' | 'RDFC-1.0';
    format?: 'application/n-quads';
    base?: string | null;
    [k: string]: unknown;
  }
  const jsonld: {
    canonize(input: unknown, options?: Options): Promise<string>;
    expand(input: unknown, options?: Options): Promise<unknown[]>;
    compact(input: unknown, ctx: unknown, options?: Options): Promise<Record<string, unknown>>;
    toRDF(input: unknown, options?: Options): Promise<unknown>;
  };
  export default jsonld;
}
