// jsonld.js internal (v9): the resolver that caches processed contexts. `canonize` accepts one as
// the `contextResolver` option; core/proof passes one per loader mode so bundled contexts are
// processed once per process instead of once per call.
declare module 'jsonld/lib/ContextResolver.js' {
  interface SharedCache {
    get(key: string): unknown;
    set(key: string, value: unknown): unknown;
  }
  export default class ContextResolver {
    constructor(options: { sharedCache: SharedCache });
  }
}
