/** A tiny router: method + path pattern with `:params`, matched in order. */
export interface RouteMatch<H> { readonly name: string; readonly handler: H; readonly params: Record<string, string> }

interface Compiled<H> { readonly method: string; readonly name: string; readonly re: RegExp; readonly keys: string[]; readonly handler: H }

export class Router<H> {
  private readonly routes: Compiled<H>[] = [];

  add(method: string, pattern: string, handler: H): this {
    const keys: string[] = [];
    const re = new RegExp(`^${pattern.replace(/:([a-zA-Z]+)/g, (_, k: string) => { keys.push(k); return '([^/]+)'; })}/?$`);
    this.routes.push({ method, name: `${method} ${pattern}`, re, keys, handler });
    return this;
  }

  /** The route for a request; `methodNotAllowed` when the path exists for another method. */
  match(method: string, path: string): RouteMatch<H> | { methodNotAllowed: true } | undefined {
    let pathKnown = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method) { pathKnown = true; continue; }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        // a malformed escape is the client's mistake: keep the raw text, the handler's validation rejects it with a 400
        try { params[k] = decodeURIComponent(m[i + 1]!); } catch { params[k] = m[i + 1]!; }
      });
      return { name: r.name, handler: r.handler, params };
    }
    return pathKnown ? { methodNotAllowed: true } : undefined;
  }
}
