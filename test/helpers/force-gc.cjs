// Preloaded into the CLI under test (NODE_OPTIONS="--expose-gc --require …/force-gc.cjs"): a full garbage
// collection every 200 ms, the condition under which Node 20 loses an AbortSignal.timeout combined with
// AbortSignal.any (nodejs/node#57736) and a request without another deadline hangs for good.
if (typeof globalThis.gc !== 'function') throw new Error('force-gc.cjs needs --expose-gc');
setInterval(() => globalThis.gc(), 200).unref();
