/** The supergraph with each subgraph's `@join__graph(url:)` replaced where an override is given. */
export function supergraphWithUrls(supergraphSdl: string, urls: Readonly<Record<string, string>> = {}): string {
  let sdl = supergraphSdl;
  for (const [name, url] of Object.entries(urls)) {
    const pattern = new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`);
    if (!pattern.test(sdl)) throw new Error(`The supergraph has no subgraph named "${name}"`);
    sdl = sdl.replace(pattern, `$1${url}$2`);
  }
  return sdl;
}

/** Subgraph name and URL as the supergraph's `@join__graph` directives give them. */
export function subgraphsOf(supergraphSdl: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g)) {
    if (match[1] && match[2] !== undefined) found[match[1]] = match[2];
  }
  return found;
}
