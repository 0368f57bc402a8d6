/**
 * One line under an error message for mistakes a new user makes on the first try. The message itself stays
 * c/image's text, unchanged; the hint is printed beneath it.
 */
export function errorHint(message: string): string | undefined {
  if (message.includes('server gave HTTP response to HTTPS client')) {
    const host = /pinging container registry ([^\s:]+(?::\d+)?):/.exec(message)?.[1] ?? 'HOST:PORT';
    return `the registry speaks plain HTTP: pass --tls-verify=false, or mark it insecure in registries.conf ([[registry]] location = "${host}", insecure = true)`;
  }
  return undefined;
}
